// The builder's steps up to an in-memory plan: used by buildSerializedNetwork and, without
// optimization, by calibration, which must see every tensor of the original network.
#pragma once
#include "int8rt/builder.h"
#include "plan/plan.h"

namespace int8rt {

PlanData buildPlan(const Network& network, const BuilderConfig& config, bool optimize);

}  // namespace int8rt
