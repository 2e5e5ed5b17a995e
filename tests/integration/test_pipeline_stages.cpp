#include <gtest/gtest.h>

#include <string>

#include "common/error.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_files.h"

namespace kiln {

namespace {

// The options a pipeline stage runs with (and is cached by).
nlohmann::json stage_options(const PipelineOptions& o, const std::string& name) {
  for (const Stage& s : pipeline_stages(o, "/tmp/kiln-pipeline-stages-unused"))
    if (s.name == name) return s.options;
  ADD_FAILURE() << "no stage " << name;
  return {};
}

int64_t train_limit(const PipelineOptions& o) {
  return stage_options(o, pipeline_files::kTrain).at("train_limit").get<int64_t>();
}

}  // namespace

TEST(PipelineStages, TrainLimitReachesTheTrainStageAndItsKey) {
  PipelineOptions o;
  EXPECT_EQ(train_limit(o), 0);  // the whole split
  o.quick = true;
  EXPECT_EQ(train_limit(o), 6000);
  o.train_limit = 1000;  // overrides --quick's 6000
  EXPECT_EQ(train_limit(o), 1000);
  o.quick = false;
  EXPECT_EQ(train_limit(o), 1000);
  o.validate();
  o.train_limit = -1;
  try {
    o.validate();
    ADD_FAILURE() << "a negative --train-limit was accepted";
  } catch (const OptionError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 0"), std::string::npos) << e.what();
  }
}

// --quick measures every accuracy on the first 1000 test images, train's and pack's included
// (validate then re-measures on the count pack records); a full run uses the whole split.
TEST(PipelineStages, QuickMeasuresEveryAccuracyOnTheSameThousandImages) {
  namespace f = pipeline_files;
  PipelineOptions o;
  EXPECT_EQ(stage_options(o, f::kTrain).at("test_limit").get<int64_t>(), 0);
  EXPECT_EQ(stage_options(o, f::kPack).at("accuracy_samples").get<int64_t>(), 0);
  o.quick = true;
  EXPECT_EQ(stage_options(o, f::kTrain).at("test_limit").get<int64_t>(), 1000);
  EXPECT_EQ(stage_options(o, f::kPack).at("accuracy_samples").get<int64_t>(), 1000);
  EXPECT_EQ(stage_options(o, f::kQuantizeStatic).at("eval_samples").get<int64_t>(), 1000);
}

}  // namespace kiln
