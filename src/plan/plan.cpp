#include "plan/plan.h"

#include <zlib.h>

#include <cstring>

#include "plan/layer_io.h"

namespace int8rt {

namespace {

constexpr char kMagic[8] = {'I', '8', 'R', 'T', 'P', 'L', 'A', 'N'};
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 8 + 4;

template <class A>
void ioParams(A& a, LayerParams& params) {
  uint8_t kind = static_cast<uint8_t>(params.index());
  io(a, kind);
  if constexpr (A::kReading) {
    if (kind >= static_cast<uint8_t>(LayerKind::kCOUNT))
      fail(a.source(), ": corrupt plan: unknown layer kind ", int(kind));
    // Default-construct the alternative with index `kind`, then read into it.
    static constexpr auto makers = []<size_t... I>(std::index_sequence<I...>) {
      return std::array<LayerParams (*)(), sizeof...(I)>{
          +[]() { return LayerParams(std::in_place_index<I>); }...};
    }(std::make_index_sequence<std::variant_size_v<LayerParams>>());
    params = makers[kind]();
  }
  std::visit([&](auto& p) { io(a, p); }, params);
}

// Writes or reads the network in canonical form: inputs, then layers with their output names.
void writeNetwork(ArchiveWriter& a, const Network& net) {
  std::string name = net.name;
  io(a, name);
  uint64_t nIn = a.size(net.inputs().size());
  (void)nIn;
  for (TensorId t : net.inputs()) {
    Tensor x = net.tensor(t);
    io(a, x.name); io(a, x.shape); io(a, x.type);
  }
  a.size(net.layers().size());
  for (const Layer& l : net.layers()) {
    Layer c = l;
    io(a, c.name);
    ioParams(a, c.params);
    io(a, c.inputs);
    a.size(c.outputs.size());
    for (TensorId t : c.outputs) {
      std::string n = net.tensor(t).name;
      io(a, n);
    }
  }
  std::vector<TensorId> outs = net.outputs();
  io(a, outs);
}

Network readNetwork(ArchiveReader& a) {
  Network net;
  io(a, net.name);
  uint64_t nIn = a.size(0);
  for (uint64_t i = 0; i < nIn; ++i) {
    std::string name; Shape shape; DataType type;
    io(a, name); io(a, shape); io(a, type);
    net.addInput(name, type, shape);
  }
  uint64_t nLayers = a.size(0);
  for (uint64_t i = 0; i < nLayers; ++i) {
    std::string name;
    LayerParams params;
    std::vector<TensorId> inputs;
    io(a, name);
    ioParams(a, params);
    io(a, inputs);
    for (TensorId t : inputs)
      if (t < 0 || t >= net.nbTensors())
        fail(a.source(), ": corrupt plan: layer '", name, "' reads tensor ", t, " before it exists");
    uint64_t nOut = a.size(0);
    if (nOut > 16) fail(a.source(), ": corrupt plan: layer '", name, "' has ", nOut, " outputs");
    Layer& l = net.addLayer(std::move(params), inputs, static_cast<int>(nOut));
    l.name = name;
    for (TensorId t : l.outputs) io(a, net.tensor(t).name);
  }
  std::vector<TensorId> outs;
  io(a, outs);
  for (TensorId t : outs) {
    if (t < 0 || t >= net.nbTensors()) fail(a.source(), ": corrupt plan: output tensor ", t);
    net.markOutput(t);
  }
  return net;
}

void ioMetadata(auto& a, std::vector<std::pair<std::string, std::string>>& m) {
  uint64_t n = a.size(m.size());
  if constexpr (std::remove_reference_t<decltype(a)>::kReading) m.resize(n);
  for (auto& [k, v] : m) { io(a, k); io(a, v); }
}

template <class T>
void put(std::vector<uint8_t>& out, T v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}

template <class T>
T get(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

// Whether the plan uses anything newer than format 1 (which could not say it).
bool needsFormat2(const PlanData& plan) {
  for (const Layer& l : plan.network.layers())
    if (l.kind() == LayerKind::kCONVOLUTION && !l.as<ConvolutionParams>().fusedMaxPool.empty())
      return true;
  for (size_t t = 0; t < plan.tensorTypes.size() && t < plan.tensorScales.size(); ++t)
    if (plan.tensorTypes[t] != DataType::kINT8 && plan.tensorScales[t] != 0.f) return true;
  for (const std::string& c : plan.kernelConfigs)
    if (!c.empty()) return true;
  for (const std::string& k : plan.kernels)
    if (k == kReshapeAliasKernel) return true;
  return plan.device != DeviceType::kCPU || plan.cudaSm != 0;
}

// Whether the plan stores a tensor in a format other than kLINEAR or has a fully connected
// layer with a fused softmax (format 3).
bool needsFormat3(const PlanData& plan) {
  for (TensorFormat f : plan.tensorFormats)
    if (f != TensorFormat::kLINEAR) return true;
  for (const Layer& l : plan.network.layers())
    if (l.kind() == LayerKind::kFULLY_CONNECTED && l.as<FullyConnectedParams>().fusedSoftmax)
      return true;
  return false;
}

}  // namespace

std::vector<uint8_t> serializePlan(const PlanData& plan, uint32_t formatVersion) {
  check(formatVersion >= 1 && formatVersion <= kPlanFormatVersion, "cannot write plan format ",
        formatVersion);
  check(formatVersion >= 2 || !needsFormat2(plan),
        "this plan needs plan format 2 (CUDA, kernel configurations or builder fusions)");
  check(formatVersion >= 3 || !needsFormat3(plan),
        "this plan needs plan format 3 (tensors in a format other than linear, or a fully "
        "connected layer with a fused softmax)");
  ArchiveWriter a(formatVersion);
  DeviceType device = plan.device;
  std::string features = plan.requiredCpuFeatures;
  int64_t maxBatch = plan.maxBatchSize, arena = plan.arenaBytes;
  auto kernels = plan.kernels;
  auto types = plan.tensorTypes;
  auto scales = plan.tensorScales;
  auto offsets = plan.arenaOffsets;
  auto meta = plan.metadata;
  auto configs = plan.kernelConfigs;
  if (configs.empty()) configs.assign(kernels.size(), "");
  int32_t sm = plan.cudaSm;
  io(a, device); io(a, features); io(a, maxBatch);
  writeNetwork(a, plan.network);
  io(a, kernels); io(a, types); io(a, scales); io(a, offsets); io(a, arena);
  ioMetadata(a, meta);
  if (formatVersion >= 2) { io(a, configs); io(a, sm); }
  if (formatVersion >= 3) {
    auto formats = plan.tensorFormats;
    if (formats.empty()) formats.assign(types.size(), TensorFormat::kLINEAR);
    io(a, formats);
  }

  std::vector<uint8_t> out(kMagic, kMagic + 8);
  put<uint32_t>(out, formatVersion);
  put<uint32_t>(out, INT8RT_VERSION_NUMBER);
  put<uint64_t>(out, a.bytes.size());
  // The checksum covers the version and size fields too, so no single flipped byte passes.
  uLong crc = crc32(0, out.data() + 8, 16);
  put<uint32_t>(out, static_cast<uint32_t>(crc32(crc, a.bytes.data(), a.bytes.size())));
  out.insert(out.end(), a.bytes.begin(), a.bytes.end());
  return out;
}

PlanData deserializePlan(const std::vector<uint8_t>& bytes, const std::string& source) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    fail(source, ": not an int8rt plan (bad magic)");
  if (bytes.size() < kHeaderBytes) fail(source, ": plan is truncated (header)");
  uint32_t format = get<uint32_t>(&bytes[8]);
  uint32_t engine = get<uint32_t>(&bytes[12]);
  uint64_t size = get<uint64_t>(&bytes[16]);
  uint32_t crc = get<uint32_t>(&bytes[24]);
  if (format < 1 || format > kPlanFormatVersion)
    fail(source, ": plan format version ", format, " is not supported (this build reads 1 to ",
         kPlanFormatVersion, "; written by engine ", engine, ")");
  if (size != bytes.size() - kHeaderBytes)
    fail(source, ": plan is truncated or has trailing data (payload ", bytes.size() - kHeaderBytes,
         " bytes, header says ", size, ")");
  const uint8_t* payload = bytes.data() + kHeaderBytes;
  if (crc32(crc32(0, bytes.data() + 8, 16), payload, size) != crc) fail(source, ": plan checksum mismatch (corrupt file)");

  ArchiveReader a(payload, size, source, format);
  PlanData plan;
  io(a, plan.device); io(a, plan.requiredCpuFeatures); io(a, plan.maxBatchSize);
  plan.network = readNetwork(a);
  io(a, plan.kernels); io(a, plan.tensorTypes); io(a, plan.tensorScales);
  io(a, plan.arenaOffsets); io(a, plan.arenaBytes);
  ioMetadata(a, plan.metadata);
  if (format >= 2) {
    io(a, plan.kernelConfigs);
    io(a, plan.cudaSm);
  } else {
    plan.kernelConfigs.assign(plan.kernels.size(), "");
  }
  if (format >= 3) {
    io(a, plan.tensorFormats);
    for (TensorFormat f : plan.tensorFormats)
      if (static_cast<uint8_t>(f) >= static_cast<uint8_t>(TensorFormat::kCOUNT))
        fail(source, ": corrupt plan: unknown tensor format ", int(f));
  } else {
    plan.tensorFormats.assign(plan.tensorTypes.size(), TensorFormat::kLINEAR);
  }
  if (!a.atEnd()) fail(source, ": corrupt plan: trailing bytes in the payload");
  size_t nT = plan.network.nbTensors(), nL = plan.network.layers().size();
  if (plan.kernels.size() != nL || plan.tensorTypes.size() != nT ||
      plan.tensorScales.size() != nT || plan.arenaOffsets.size() != nT ||
      plan.kernelConfigs.size() != nL || plan.tensorFormats.size() != nT)
    fail(source, ": corrupt plan: per-layer or per-tensor tables have the wrong length");
  if (plan.maxBatchSize < 1) fail(source, ": corrupt plan: max batch ", plan.maxBatchSize);
  if (plan.device != DeviceType::kCPU && plan.device != DeviceType::kCUDA)
    fail(source, ": corrupt plan: unknown device ", int(plan.device));
  if ((plan.device == DeviceType::kCUDA) != (plan.cudaSm > 0) || plan.cudaSm < 0 || plan.cudaSm > 1000)
    fail(source, ": corrupt plan: ", deviceName(plan.device), " plan with CUDA architecture ",
         plan.cudaSm);
  // Bindings are NCHW (the API's contract) and the CPU kernels read nothing else.
  for (size_t t = 0; t < nT; ++t) {
    if (plan.tensorFormats[t] == TensorFormat::kLINEAR) continue;
    const Tensor& x = plan.network.tensor(static_cast<TensorId>(t));
    if (plan.device != DeviceType::kCUDA || x.isInput || x.isOutput)
      fail(source, ": corrupt plan: ", x.isInput || x.isOutput ? "binding" : "CPU plan tensor",
           " '", x.name, "' is stored ", tensorFormatName(plan.tensorFormats[t]),
           " (only CUDA tensors between bindings may be)");
  }
  return plan;
}

Network canonicalizeNetwork(const Network& net, std::vector<TensorId>* tensorMap) {
  // Which layers feed an output (walking backwards).
  std::vector<int> producer(net.nbTensors(), -1);
  for (size_t i = 0; i < net.layers().size(); ++i)
    for (TensorId t : net.layers()[i].outputs) producer[t] = static_cast<int>(i);
  std::vector<bool> needed(net.layers().size(), false);
  std::vector<TensorId> stack = net.outputs();
  while (!stack.empty()) {
    TensorId t = stack.back();
    stack.pop_back();
    int p = producer[t];
    if (p < 0 || needed[p]) continue;
    needed[p] = true;
    for (TensorId in : net.layers()[p].inputs) stack.push_back(in);
  }
  Network out;
  out.name = net.name;
  std::vector<TensorId> map(net.nbTensors(), -1);
  for (TensorId t : net.inputs()) {
    const Tensor& x = net.tensor(t);
    map[t] = out.addInput(x.name, x.type, x.shape);
    out.tensor(map[t]).dynamicRange = x.dynamicRange;
  }
  for (size_t i = 0; i < net.layers().size(); ++i) {
    if (!needed[i]) continue;
    const Layer& l = net.layers()[i];
    std::vector<TensorId> ins;
    for (TensorId t : l.inputs) ins.push_back(map.at(t));
    Layer& c = out.addLayer(l.params, ins, static_cast<int>(l.outputs.size()));
    c.name = l.name;
    for (size_t k = 0; k < l.outputs.size(); ++k) {
      map[l.outputs[k]] = c.outputs[k];
      const Tensor& x = net.tensor(l.outputs[k]);
      out.tensor(c.outputs[k]).name = x.name;
      out.tensor(c.outputs[k]).dynamicRange = x.dynamicRange;
    }
  }
  for (TensorId t : net.outputs()) out.markOutput(map.at(t));
  if (tensorMap) *tensorMap = std::move(map);
  return out;
}

}  // namespace int8rt
