// Node order for import: ONNX requires topological order but exporters and hand edits do not
// always keep it, so the importer sorts. Only nodes that contribute to a graph output are kept:
// the engine computes graph outputs and nothing else.
#pragma once
#include <string>
#include <unordered_set>
#include <vector>

namespace onnx {
class GraphProto;
class NodeProto;
}  // namespace onnx

namespace int8rt::onnx_import {

// "node 'conv1' (Conv)", or for unnamed nodes "node #3 (Conv, output 'y')".
std::string describeNode(const onnx::NodeProto& node, int index);

// Indices into graph.node(), producers first, stable with respect to the file order. Throws
// for an input nothing defines, a value defined twice, or a cycle (naming a node on it).
// `defined` holds the names of graph inputs and initializers.
std::vector<int> sortNodes(const onnx::GraphProto& graph, const std::unordered_set<std::string>& defined);

}  // namespace int8rt::onnx_import
