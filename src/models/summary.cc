// Model::Summary: the text table of Keras 2's print_summary (same columns, widths and totals).
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "layers/input_layer.h"
#include "models/model.h"
#include "models/serialization.h"

namespace kerasm::models {
namespace {

// Python's repr of a shape tuple: (None, 32), and (None,) for rank 1.
std::string ShapeRepr(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += s[i] < 0 ? "None" : std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  return out + ")";
}

std::string ShapesRepr(const Shapes& shapes, bool as_list) {
  if (shapes.size() == 1 && !as_list) return ShapeRepr(shapes[0]);
  std::string out = "[";
  for (size_t i = 0; i < shapes.size(); ++i) out += (i ? ", " : "") + ShapeRepr(shapes[i]);
  return out + "]";
}

// 1234567 -> "1,234,567", as Keras' '{:,}'.
std::string WithCommas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// Keras' print_row: each field starts at the previous column's end and is cut to its column.
std::string Row(const std::vector<std::string>& fields, const std::vector<int>& positions) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0 && !line.empty()) line.back() = ' ';
    line += fields[i];
    if (static_cast<int>(line.size()) > positions[i]) line.resize(positions[i]);
    line.append(positions[i] - line.size(), ' ');
  }
  return line + "\n";
}

}  // namespace

std::string Model::Summary(int line_length) const {
  if (!has_graph()) {
    Fail<ValueError>(Who(), ": this model has not yet been built. Build it first by calling build() or by calling "
                     "the model on a batch of data, or give its first layer an inputShape");
  }
  // Keras' "sequential-like" test: one node per depth, each with at most one input, and no shared layer.
  bool sequential_like = ClassName() == "Sequential";
  if (!sequential_like) {
    sequential_like = true;
    std::unordered_map<int, int> per_depth;
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (++per_depth[node_depths_[i]] > 1 || nodes_[i]->inputs.size() > 1) sequential_like = false;
    }
    std::unordered_set<const Layer*> seen;
    for (const auto& node : nodes_) {
      if (!seen.insert(node->layer.get()).second) sequential_like = false;
    }
  }
  if (line_length <= 0) line_length = sequential_like ? 65 : 98;
  std::vector<double> fractions = sequential_like ? std::vector<double>{.45, .85, 1.} : std::vector<double>{.33, .55, .67, 1.};
  std::vector<int> positions;
  for (double f : fractions) positions.push_back(static_cast<int>(line_length * f));

  std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
  if (!sequential_like) header.push_back("Connected to");

  const std::unordered_map<const layers::Node*, int> node_index = SerializedNodeIndices(*this);
  std::ostringstream os;
  os << "Model: \"" << name() << "\"\n" << std::string(line_length, '_') << "\n" << Row(header, positions)
     << std::string(line_length, '=') << "\n";
  for (size_t i = 0; i < layers_.size(); ++i) {
    const LayerPtr& layer = layers_[i];
    std::vector<const layers::Node*> layer_nodes;
    for (const auto& node : nodes_) {
      if (node->layer == layer) layer_nodes.push_back(node.get());
    }
    std::string shape = "multiple";
    if (!layer_nodes.empty()) {
      bool same = true;
      for (const layers::Node* n : layer_nodes) same = same && n->output_shapes == layer_nodes[0]->output_shapes;
      // Keras 2 lists an InputLayer's shape as [(None, 4)].
      if (same) shape = ShapesRepr(layer_nodes[0]->output_shapes, dynamic_cast<layers::InputLayer*>(layer.get()) != nullptr);
    }
    const std::string params = layer->built() ? WithCommas(layer->CountParams()) : "0 (unused)";
    std::vector<std::string> connections;
    for (const layers::Node* n : layer_nodes) {
      for (const SymbolicTensor& in : n->inputs) {
        connections.push_back(in.layer()->name() + "[" + std::to_string(node_index.at(in.node.get())) + "][" +
                              std::to_string(in.index) + "]");
      }
    }
    std::vector<std::string> fields{layer->name() + " (" + layer->ClassName() + ")", shape, params};
    if (!sequential_like) fields.push_back(connections.empty() ? "" : connections[0]);
    os << Row(fields, positions);
    for (size_t c = 1; !sequential_like && c < connections.size(); ++c) os << Row({"", "", "", connections[c]}, positions);
    os << std::string(line_length, i + 1 == layers_.size() ? '=' : '_') << "\n";
  }
  int64_t trainable = 0, non_trainable = 0;
  for (const auto& v : TrainableWeights()) trainable += ShapeSize(v->shape());
  for (const auto& v : NonTrainableWeights()) non_trainable += ShapeSize(v->shape());
  os << "Total params: " << WithCommas(trainable + non_trainable) << "\n"
     << "Trainable params: " << WithCommas(trainable) << "\n"
     << "Non-trainable params: " << WithCommas(non_trainable) << "\n"
     << std::string(line_length, '_') << "\n";
  return os.str();
}

}  // namespace kerasm::models
