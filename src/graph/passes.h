// Graph passes run by the builder before precision and kernel choice. Each keeps every network
// output tensor (and its name) intact.
#pragma once
#include "int8rt/network.h"

namespace int8rt {

// Dropout/Identity layers disappear (consumers read the identity's input directly).
int removeIdentities(Network& net);
// A per-channel or uniform Scale with no power (BatchNorm, Caffe Scale) after a convolution or
// fully connected layer folds into its weights and bias.
int foldScales(Network& net);
// An activation after a convolution, fully connected, elementwise or scale layer becomes that
// layer's fused activation.
int fuseActivations(Network& net);
// All of the above, in the order that exposes the most fusions. Returns the number of changes.
int optimizeNetwork(Network& net);

}  // namespace int8rt
