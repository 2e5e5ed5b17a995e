#pragma once
// mlp: a fully connected network, Flatten, Linear(784→256)+ReLU, Linear(256→128)+ReLU,
// Linear(128→10).
#include <memory>

#include "models/zoo_model.h"

namespace kiln {

std::unique_ptr<ZooModel> make_mlp();

}  // namespace kiln
