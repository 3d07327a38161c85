#include "parsers/onnx/topo_sort.h"

#include <functional>
#include <queue>
#include <unordered_map>

#include "core/error.h"
#include "onnx.pb.h"

namespace int8rt::onnx_import {

std::string describeNode(const onnx::NodeProto& node, int index) {
  if (!node.name().empty()) return "node '" + node.name() + "' (" + node.op_type() + ")";
  std::string s = "node #" + std::to_string(index) + " (" + node.op_type();
  if (node.output_size() > 0) s += ", output '" + node.output(0) + "'";
  return s + ")";
}

std::vector<int> sortNodes(const onnx::GraphProto& graph,
                           const std::unordered_set<std::string>& defined) {
  const int n = graph.node_size();
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const std::string& out : graph.node(i).output()) {
      if (out.empty()) continue;
      check(!defined.count(out), describeNode(graph.node(i), i), ": output '", out,
            "' is also a graph input or initializer");
      auto [it, fresh] = producer.emplace(out, i);
      check(fresh, describeNode(graph.node(i), i), ": output '", out, "' is also produced by ",
            describeNode(graph.node(it->second), it->second));
    }
  for (int i = 0; i < n; ++i)
    for (const std::string& in : graph.node(i).input())
      check(in.empty() || defined.count(in) || producer.count(in), describeNode(graph.node(i), i),
            ": input '", in, "' is not produced by any node, initializer or graph input");

  // Nodes needed by the graph outputs, found by walking back from them.
  std::vector<bool> needed(n, false);
  std::vector<int> stack;
  auto need = [&](const std::string& value) {
    auto it = producer.find(value);
    if (it != producer.end() && !needed[it->second]) {
      needed[it->second] = true;
      stack.push_back(it->second);
    }
  };
  for (const auto& out : graph.output()) need(out.name());
  while (!stack.empty()) {
    int i = stack.back();
    stack.pop_back();
    for (const std::string& in : graph.node(i).input()) need(in);
  }

  // Kahn's algorithm; the smallest ready index first keeps the file order where it is valid.
  std::vector<int> pending(n, 0);
  std::vector<std::vector<int>> consumers(n);
  for (int i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    for (const std::string& in : graph.node(i).input()) {
      auto it = producer.find(in);
      if (it == producer.end()) continue;
      ++pending[i];
      consumers[it->second].push_back(i);
    }
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  int total = 0;
  for (int i = 0; i < n; ++i)
    if (needed[i]) {
      ++total;
      if (pending[i] == 0) ready.push(i);
    }
  std::vector<int> order;
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int c : consumers[i])
      if (--pending[c] == 0) ready.push(c);
  }
  if (static_cast<int>(order.size()) != total) {
    for (int i = 0; i < n; ++i)
      if (needed[i] && pending[i] > 0)
        fail(describeNode(graph.node(i), i), ": the graph has a cycle through this node");
  }
  return order;
}

}  // namespace int8rt::onnx_import
