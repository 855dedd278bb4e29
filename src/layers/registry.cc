#include "layers/registry.h"

#include <map>

#include "core/error.h"

namespace kerasm::layers {

namespace {

std::map<std::string, LayerFactory>& RuntimeClasses() {
  static std::map<std::string, LayerFactory> classes;
  return classes;
}

std::map<std::string, LayerFactory>& ModelClasses() {
  static std::map<std::string, LayerFactory> classes;
  return classes;
}

const LayerClass* FindBuiltin(const std::string& class_name) {
  for (const LayerClass& c : LayerClasses()) {
    if (class_name == c.class_name) return &c;
  }
  return nullptr;
}

}  // namespace

const std::vector<LayerClass>& LayerClasses() {
  static const std::vector<LayerClass> classes = {
#define KERASM_LAYER_ENTRY(cls, js) {#cls, js, &Create##cls},
      KERASM_LAYERS(KERASM_LAYER_ENTRY)
#undef KERASM_LAYER_ENTRY
  };
  return classes;
}

std::vector<std::string> LayerClassNames() {
  std::vector<std::string> out;
  for (const LayerClass& c : LayerClasses()) out.push_back(c.class_name);
  return out;
}

LayerPtr CreateLayer(const std::string& class_name, const json& config) {
  if (const LayerClass* c = FindBuiltin(class_name)) return c->factory(config);
  if (auto m = ModelClasses().find(class_name); m != ModelClasses().end()) return m->second(config);
  auto it = RuntimeClasses().find(class_name);
  if (it != RuntimeClasses().end()) return it->second(config);
  if (class_name == "Lambda") {
    // Keras saves a Lambda's function as Python bytecode (or source), which cannot run here.
    const std::string name = config.is_object() && config.contains("name") && config["name"].is_string()
                                 ? config["name"].get<std::string>() : std::string("lambda");
    Fail<ValueError>("Lambda '", name, "': its function was saved by Keras as Python code, which cannot run in "
                     "kerasm. Build the model in JS with km.layers.lambda({function: (x) => ..., name: '", name,
                     "'}) in its place, then load the file's weights into it (model.loadWeights(file, {byName: true})).");
  }
  Fail<ValueError>("Unknown layer: '", class_name,
                   "'. Register custom layers with km.serialization.registerClass before loading.");
}

namespace {

// The innermost LiveLayerScope of this thread (the bindings run on one thread; thread_local keeps native
// tests that construct layers from several threads apart).
thread_local const LiveLayerScope* current_live_layers = nullptr;

}  // namespace

LiveLayerScope::LiveLayerScope(std::vector<LayerPtr> layers)
    : layers_(std::move(layers)), previous_(current_live_layers) {
  current_live_layers = this;
}

LiveLayerScope::~LiveLayerScope() { current_live_layers = previous_; }

bool IsLiveLayerRef(const json& spec) { return spec.is_object() && spec.size() == 1 && spec.contains(kLiveLayerKey); }

LayerPtr DeserializeLayer(const json& spec) {
  if (IsLiveLayerRef(spec)) {
    const json& index = spec[kLiveLayerKey];
    const LiveLayerScope* scope = current_live_layers;
    if (scope == nullptr) Fail<ValueError>("A live layer placeholder outside a layer construction: ", spec.dump());
    if (!index.is_number_integer() || index.get<int64_t>() < 0 ||
        index.get<size_t>() >= scope->layers_.size() || !scope->layers_[index.get<size_t>()]) {
      Fail<ValueError>("A live layer placeholder refers to no layer passed with the config: ", spec.dump());
    }
    return scope->layers_[index.get<size_t>()];
  }
  if (!spec.is_object()) Fail<ValueError>("A serialized layer must be an object. Received: ", spec.dump());
  const char* key = spec.contains("class_name") ? "class_name" : "className";
  if (!spec.contains(key) || !spec[key].is_string()) {
    Fail<ValueError>("A serialized layer needs a class_name. Received: ", spec.dump());
  }
  return CreateLayer(spec[key].get<std::string>(), spec.value("config", json::object()));
}

json SerializeLayer(const Layer& layer) { return {{"class_name", layer.ClassName()}, {"config", layer.GetConfig()}}; }

void RegisterModelClass(const std::string& class_name, LayerFactory factory) {
  ModelClasses()[class_name] = std::move(factory);
}

void RegisterLayerClass(const std::string& class_name, LayerFactory factory) {
  if (FindBuiltin(class_name) || ModelClasses().count(class_name)) {
    Fail<ValueError>("'", class_name, "' is a built-in layer class and cannot be replaced");
  }
  RuntimeClasses()[class_name] = std::move(factory);
}

void UnregisterLayerClass(const std::string& class_name) { RuntimeClasses().erase(class_name); }

}  // namespace kerasm::layers
