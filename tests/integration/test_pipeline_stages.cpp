#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "pipeline/pipeline.h"

namespace kiln {

namespace {

// The training options the pipeline's first stage runs with (and is cached by).
nlohmann::json train_stage_options(const PipelineOptions& o) {
  for (const Stage& s : pipeline_stages(o, "/tmp/kiln-pipeline-stages-unused"))
    if (s.name == "01_train") return s.options;
  ADD_FAILURE() << "no 01_train stage";
  return {};
}

}  // namespace

TEST(PipelineStages, TrainLimitReachesTheTrainStageAndItsKey) {
  PipelineOptions o;
  EXPECT_EQ(train_stage_options(o).at("train_limit").get<int64_t>(), 0);  // the whole split
  o.quick = true;
  EXPECT_EQ(train_stage_options(o).at("train_limit").get<int64_t>(), 6000);
  o.train_limit = 1000;  // overrides --quick's 6000
  EXPECT_EQ(train_stage_options(o).at("train_limit").get<int64_t>(), 1000);
  o.quick = false;
  EXPECT_EQ(train_stage_options(o).at("train_limit").get<int64_t>(), 1000);
  o.validate();
  o.train_limit = -1;
  try {
    o.validate();
    ADD_FAILURE() << "a negative --train-limit was accepted";
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 0"), std::string::npos) << e.what();
  }
}

}  // namespace kiln
