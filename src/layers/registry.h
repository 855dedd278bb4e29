// The layer registry: ONE list of (Keras class name, JS factory name). It drives creation from a serialized
// {class_name, config}, the JS factories (bindings iterate LayerClasses()) and the generic layer test (which
// fails for a registered class without test cases). Adding a layer is one line here plus its family file,
// which defines `LayerPtr Create<ClassName>(const json&)` (usually MakeLayer<T>). No static self-registration:
// unreferenced registrar objects are dropped from static libraries.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "layers/layer.h"

// X(KerasClassName, "jsFactoryName"), alphabetical within each family.
#define KERASM_LAYERS(X)         \
  /* core */                     \
  X(Activation, "activation")    \
  X(Dense, "dense")              \
  X(Dropout, "dropout")          \
  X(Flatten, "flatten")          \
  X(InputLayer, "inputLayer")    \
  X(Reshape, "reshape")          \
  /* merge */                    \
  X(Add, "add")                  \
  X(Average, "average")          \
  X(Concatenate, "concatenate")  \
  X(Dot, "dot")                  \
  X(Maximum, "maximum")          \
  X(Minimum, "minimum")          \
  X(Multiply, "multiply")        \
  X(Subtract, "subtract")        \
  /* activation */               \
  X(ELU, "elu")                  \
  X(LeakyReLU, "leakyReLU")      \
  X(PReLU, "prelu")              \
  X(ReLU, "reLU")                \
  X(Softmax, "softmax")          \
  X(ThresholdedReLU, "thresholdedReLU") \
  /* convolution */ \
  X(Conv1D, "conv1d") \
  X(Conv2D, "conv2d") \
  X(Conv2DTranspose, "conv2dTranspose") \
  X(Conv3D, "conv3d") \
  X(Conv3DTranspose, "conv3dTranspose") \
  X(DepthwiseConv2D, "depthwiseConv2d") \
  X(SeparableConv1D, "separableConv1d") \
  X(SeparableConv2D, "separableConv2d") \
  /* locally connected */ \
  X(LocallyConnected1D, "locallyConnected1d") \
  X(LocallyConnected2D, "locallyConnected2d") \
  /* embedding */ \
  X(Embedding, "embedding") \
  /* noise, regularization, masking */ \
  X(ActivityRegularization, "activityRegularization") \
  X(AlphaDropout, "alphaDropout") \
  X(GaussianDropout, "gaussianDropout") \
  X(GaussianNoise, "gaussianNoise") \
  X(Masking, "masking") \
  X(SpatialDropout1D, "spatialDropout1d") \
  X(SpatialDropout2D, "spatialDropout2d") \
  X(SpatialDropout3D, "spatialDropout3d") \
  /* pooling */ \
  X(AveragePooling1D, "averagePooling1d") \
  X(AveragePooling2D, "averagePooling2d") \
  X(AveragePooling3D, "averagePooling3d") \
  X(GlobalAveragePooling1D, "globalAveragePooling1d") \
  X(GlobalAveragePooling2D, "globalAveragePooling2d") \
  X(GlobalAveragePooling3D, "globalAveragePooling3d") \
  X(GlobalMaxPooling1D, "globalMaxPooling1d") \
  X(GlobalMaxPooling2D, "globalMaxPooling2d") \
  X(GlobalMaxPooling3D, "globalMaxPooling3d") \
  X(MaxPooling1D, "maxPooling1d") \
  X(MaxPooling2D, "maxPooling2d") \
  X(MaxPooling3D, "maxPooling3d") \
  /* reshaping */ \
  X(Cropping1D, "cropping1d") \
  X(Cropping2D, "cropping2D") \
  X(Cropping3D, "cropping3d") \
  X(Permute, "permute") \
  X(RepeatVector, "repeatVector") \
  X(UpSampling1D, "upSampling1d") \
  X(UpSampling2D, "upSampling2d") \
  X(UpSampling3D, "upSampling3d") \
  X(ZeroPadding1D, "zeroPadding1d") \
  X(ZeroPadding2D, "zeroPadding2d") \
  X(ZeroPadding3D, "zeroPadding3d") \
  /* normalization */ \
  X(BatchNormalization, "batchNormalization") \
  /* recurrent */ \
  X(ConvLSTM2D, "convLstm2d") \
  X(CuDNNGRU, "cudnnGru") \
  X(CuDNNLSTM, "cudnnLstm") \
  X(GRU, "gru") \
  X(GRUCell, "gruCell") \
  X(LSTM, "lstm") \
  X(LSTMCell, "lstmCell") \
  X(RNN, "rnn") \
  X(SimpleRNN, "simpleRNN") \
  X(SimpleRNNCell, "simpleRNNCell") \
  X(StackedRNNCells, "stackedRNNCells") \
  /* wrappers */ \
  X(Bidirectional, "bidirectional") \
  X(TimeDistributed, "timeDistributed")

namespace kerasm::layers {

using LayerFactory = std::function<LayerPtr(const json& config)>;

#define KERASM_DECLARE_LAYER_FACTORY(cls, js) LayerPtr Create##cls(const json& config);
KERASM_LAYERS(KERASM_DECLARE_LAYER_FACTORY)
#undef KERASM_DECLARE_LAYER_FACTORY

struct LayerClass {
  const char* class_name;  // Keras: "Dense"
  const char* js_name;     // tfjs-layers factory: "dense"
  LayerPtr (*factory)(const json& config);
};

// The built-in layers, in list order.
const std::vector<LayerClass>& LayerClasses();
std::vector<std::string> LayerClassNames();

// Creates a layer from its Keras class name and config (snake_case or camelCase keys): built-in classes
// first, then the model classes, then classes registered at run time. ValueError "Unknown layer: 'Foo'"
// otherwise.
LayerPtr CreateLayer(const std::string& class_name, const json& config);
// From a serialized {"class_name", "config"} (also accepts tfjs' "className").
LayerPtr DeserializeLayer(const json& spec);
// {"class_name", "config"}.
json SerializeLayer(const Layer& layer);

// Layer classes defined above layers/ (models' Sequential, Functional and Model) join the registry by an
// explicit call at start-up, models::RegisterModelClasses(), so that wrappers, RNN cell lists and nested
// models deserialize them through DeserializeLayer with no dependency of layers/ on models/. Like built-in
// classes they cannot be replaced by RegisterLayerClass; registering a name again replaces the factory.
void RegisterModelClass(const std::string& class_name, LayerFactory factory);

// Classes defined at run time (custom JS layers, km.serialization.registerClass): later registrations of a
// name replace earlier ones; built-in names cannot be replaced.
void RegisterLayerClass(const std::string& class_name, LayerFactory factory);
void UnregisterLayerClass(const std::string& class_name);

// Live layers in a config. A JS factory config may hold layer objects (a wrapper's layer, an RNN's cells):
// web/ replaces each by the placeholder {"__kerasm_live_layer__": i} and passes the layers alongside. While
// a LiveLayerScope lives, DeserializeLayer resolves placeholder i to that very layer (not a copy). Scopes
// nest, the innermost table answering, and the destructor restores the previous one (exceptions included).
// A placeholder outside any scope, or past the table's end, is a ValueError.
inline constexpr const char* kLiveLayerKey = "__kerasm_live_layer__";

class LiveLayerScope {
 public:
  explicit LiveLayerScope(std::vector<LayerPtr> layers);
  ~LiveLayerScope();
  LiveLayerScope(const LiveLayerScope&) = delete;
  LiveLayerScope& operator=(const LiveLayerScope&) = delete;

 private:
  friend LayerPtr DeserializeLayer(const json& spec);
  std::vector<LayerPtr> layers_;
  const LiveLayerScope* previous_;
};

// Whether a config value is a live-layer placeholder.
bool IsLiveLayerRef(const json& spec);

}  // namespace kerasm::layers
