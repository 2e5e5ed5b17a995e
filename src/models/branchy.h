#pragma once
// branchy: a model whose forward depends on the data. When the mean of the input batch is
// positive it runs a convolutional branch, otherwise a fully connected one. Tracing records only
// the branch its example input took; scripting keeps both (seminar task 1, step 5).
#include <memory>

#include "models/zoo_model.h"

namespace kiln {

std::unique_ptr<ZooModel> make_branchy();

}  // namespace kiln
