#pragma once
// simple_cnn: the classic MNIST network with BatchNorm (1.2 M parameters, 12 M MACs per sample):
// Conv(1→32,3x3)+BN+ReLU, Conv(32→64,3x3)+BN+ReLU, MaxPool 2, Dropout .25, Flatten,
// Linear(9216→128)+ReLU, Dropout .5, Linear(128→10).
#include <memory>

#include "models/zoo_model.h"

namespace kiln {

std::unique_ptr<ZooModel> make_simple_cnn();

}  // namespace kiln
