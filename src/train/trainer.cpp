#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <sstream>

#include <fmt/format.h>
#include <torch/torch.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/progress.h"
#include "data/dataset.h"
#include "models/zoo.h"
#include "models/zoo_model.h"
#include "train/tensor_dataset.h"

namespace kiln {

namespace {

// Test-set accuracy in eval mode, in batches (no autograd).
double accuracy(ZooModel& model, const TensorData& data) {
  torch::NoGradGuard no_grad;
  model.module().eval();
  int64_t correct = 0, n = data.images.size(0);
  for (int64_t i = 0; i < n; i += 1000) {
    auto x = data.images.slice(0, i, std::min(n, i + 1000));
    auto y = data.labels.slice(0, i, std::min(n, i + 1000));
    correct += model.forward(x).argmax(1).eq(y).sum().item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

// One-cycle schedule: linear warm-up over the first 10% of steps, then cosine decay to ~0.
double learning_rate_at(int64_t step, int64_t total, double peak) {
  int64_t warm = std::max<int64_t>(1, total / 10);
  if (step < warm) return peak * static_cast<double>(step + 1) / static_cast<double>(warm);
  double t =
      static_cast<double>(step - warm) / static_cast<double>(std::max<int64_t>(1, total - warm));
  return peak * 0.5 * (1 + std::cos(M_PI * t)) + peak * 1e-3;
}

}  // namespace

void TrainOptions::validate() const {
  check_zoo_model_name(model);
  check_dataset_name(dataset);
  if (epochs < 1) throw OptionError("epochs", "must be at least 1");
  if (batch_size < 1) throw OptionError("batch_size", "must be at least 1");
  if (train_limit < 0)
    throw OptionError("train_limit", "must be at least 0 (0: the whole training split)");
  if (test_limit < 0)
    throw OptionError("test_limit", "must be at least 0 (0: the whole test split)");
  if (!(learning_rate > 0)) throw OptionError("learning_rate", "must be positive");
  if (out.empty())
    throw OptionError("out", "is required (the folder for weights.pt and train.json)");
}

TrainResult train_model(const TrainOptions& o) {
  o.validate();
  StagingDir stage(o.out);  // fails early when OUT cannot be written

  if (o.threads > 0) at::set_num_threads(o.threads);
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
  torch::manual_seed(o.seed);

  Normalization norm = normalization_for(o.dataset);
  TensorData train = to_tensors(load_dataset(o.dataset, Split::kTrain), norm);
  TensorData test = to_tensors(load_dataset(o.dataset, Split::kTest), norm);
  if (o.test_limit > 0 && o.test_limit < test.images.size(0)) {  // the first N, as elsewhere
    test.images = test.images.slice(0, 0, o.test_limit);
    test.labels = test.labels.slice(0, 0, o.test_limit);
  }
  if (o.train_limit > 0 && o.train_limit < train.images.size(0)) {
    auto keep = torch::randperm(train.images.size(0), torch::kInt64).slice(0, 0, o.train_limit);
    train.images = train.images.index_select(0, keep);
    train.labels = train.labels.index_select(0, keep);
  }
  const int64_t n = train.images.size(0);
  const int64_t steps_per_epoch = (n + o.batch_size - 1) / o.batch_size;
  const int64_t total_steps = steps_per_epoch * o.epochs;

  auto model = make_zoo_model(o.model);
  torch::optim::AdamW optimizer(model->module().parameters(),
                                torch::optim::AdamWOptions(o.learning_rate).weight_decay(1e-4));

  auto t0 = std::chrono::steady_clock::now();
  ProgressBar bar(fmt::format("train {} on {}", o.model, o.dataset), total_steps);
  double loss_ema = 0, acc_ema = 0;
  int64_t step = 0;
  std::vector<EpochRecord> epochs;
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    model->module().train();
    auto order = torch::randperm(n, torch::kInt64);
    double loss_sum = 0;
    int64_t correct = 0;
    for (int64_t b = 0; b < steps_per_epoch; ++b, ++step) {
      auto idx = order.slice(0, b * o.batch_size, std::min(n, (b + 1) * o.batch_size));
      auto x = train.images.index_select(0, idx);
      auto y = train.labels.index_select(0, idx);
      for (auto& group : optimizer.param_groups()) {
        group.options().set_lr(learning_rate_at(step, total_steps, o.learning_rate));
      }
      optimizer.zero_grad();
      auto logits = model->forward(x);
      auto loss = torch::nn::functional::cross_entropy(logits, y);
      loss.backward();
      optimizer.step();
      double l = loss.item<double>();
      int64_t c = logits.argmax(1).eq(y).sum().item<int64_t>();
      loss_sum += l * static_cast<double>(idx.size(0));
      correct += c;
      double a = static_cast<double>(c) / static_cast<double>(idx.size(0));
      loss_ema = step == 0 ? l : 0.95 * loss_ema + 0.05 * l;
      acc_ema = step == 0 ? a : 0.95 * acc_ema + 0.05 * a;
      if (o.progress) {
        bar.update(step + 1, fmt::format("epoch {}/{}  loss {:.4f}  acc {:.2f}%", epoch + 1,
                                         o.epochs, loss_ema, 100 * acc_ema));
      }
    }
    epochs.push_back({epoch + 1, loss_sum / static_cast<double>(n),
                      static_cast<double>(correct) / static_cast<double>(n)});
  }
  double train_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  double test_acc = accuracy(*model, test);
  if (o.progress) bar.finish(fmt::format("test accuracy {:.2f}%", 100 * test_acc));

  torch::serialize::OutputArchive archive;
  model->module().save(archive);
  std::ostringstream weights;  // through write_file_atomic: fsync'ed like every other output
  archive.save_to(weights);
  write_file_atomic(stage.path(kWeightsFile), weights.str());

  TrainResult record;
  record.model = o.model;
  record.dataset = o.dataset;
  record.epochs = o.epochs;
  record.seed = o.seed;
  record.batch_size = o.batch_size;
  record.learning_rate = o.learning_rate;
  record.optimizer = "AdamW, weight decay 1e-4, one-cycle (10% warm-up, cosine decay)";
  record.train_samples = n;
  record.test_samples = test.images.size(0);
  record.test_accuracy = test_acc;
  record.train_seconds = train_seconds;
  record.threads = at::get_num_threads();
  record.normalization = {norm.mean, norm.std};
  record.input_shape = model->input_shape();
  record.per_epoch = std::move(epochs);
  write_file_atomic(stage.path(kTrainRecordFile), record_text(record));
  stage.commit();
  return record;
}

}  // namespace kiln
