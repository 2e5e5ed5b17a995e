#include <cstdio>

#include <fmt/format.h>

#include "cli/commands.h"
#include "cli/option_errors.h"
#include "train/trainer.h"

namespace kiln::cli {

void add_train(CLI::App& app, Runner& run) {
  auto* cmd = app.add_subcommand(
      "train", "Train a built-in model (simple_cnn, branchy, mlp) on MNIST or Fashion-MNIST");
  auto o = std::make_shared<TrainOptions>();
  cmd->add_option("--model", o->model, "Built-in model")->capture_default_str();
  cmd->add_option("--dataset", o->dataset, "mnist or fashion-mnist")->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Passes over the training set")->capture_default_str();
  cmd->add_option("--seed", o->seed, "Seed for weights, shuffling and dropout")
      ->capture_default_str();
  cmd->add_option("--train-limit", o->train_limit, "Use only this many training samples (0 = all)")
      ->capture_default_str();
  cmd->add_option("--test-limit", o->test_limit,
                  "Measure test accuracy on the first N test images (0 = all)")
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Mini-batch size")->capture_default_str();
  cmd->add_option("--lr", o->learning_rate, "Peak learning rate")->capture_default_str();
  field_flag(cmd, "learning_rate", "--lr");
  cmd->add_option("--threads", o->threads, "LibTorch intra-op threads (0 = one per core)")
      ->capture_default_str();
  auto* out = cmd->add_option("--out", o->out, "Output folder (weights.pt, train.json)");
  // The pipeline's training child: every option from the stage's own record, nothing retyped.
  auto options_json = std::make_shared<std::string>();
  cmd->add_option("--options-json", *options_json,
                  "Read every option from this JSON file (kiln pipeline's child)")
      ->group("")
      ->excludes(out);
  cmd->callback([&run, o, options_json] {
    run = [o, options_json] {
      if (!options_json->empty()) *o = read_record<TrainOptions>(*options_json);
      if (o->out.empty()) throw UsageError("--out is required (see kiln --help)");
      TrainResult record = train_model(*o);
      std::printf("trained %s on %s: test accuracy %.2f%% in %.1f s (%d epochs, seed %llu) -> %s\n",
                  record.model.c_str(), record.dataset.c_str(), 100 * record.test_accuracy,
                  record.train_seconds, o->epochs, static_cast<unsigned long long>(o->seed),
                  o->out.string().c_str());
      return 0;
    };
  });
}

}  // namespace kiln::cli
