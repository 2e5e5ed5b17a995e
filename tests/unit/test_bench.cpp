// kiln bench's pieces that need no clock: statistics, the schedule, noise warnings, accuracy,
// rendering (Markdown, CSV, JSON, SVG) and best.json. No timed assertions: machines are noisy.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "bench/accuracy.h"
#include "bench/bench_config.h"
#include "bench/bench_report.h"
#include "bench/bench_runner.h"
#include "bench/flops.h"
#include "bench/latency_stats.h"
#include "bench/noise.h"
#include "bench/ort_target.h"
#include "bench/schedule.h"
#include "bench/svg_chart.h"
#include "bench/timed_runs.h"
#include "bench/tune.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/thread_limit.h"
#include "data/dataset_batch.h"
#include "onnx/model_io.h"
#include "onnx_builders.h"

namespace kiln {

namespace fs = std::filesystem;

TEST(LatencyStats, PercentilesInterpolateLikeNumpy) {
  // numpy.percentile([1..10], q) with linear interpolation: 5.5, 9.1, 9.91.
  std::vector<double> s{10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
  auto st = compute_latency_stats(s);
  EXPECT_EQ(st.runs, 10);
  EXPECT_DOUBLE_EQ(st.p50, 5.5);
  EXPECT_NEAR(st.p90, 9.1, 1e-12);
  EXPECT_NEAR(st.p99, 9.91, 1e-12);
  EXPECT_DOUBLE_EQ(st.min, 1);
  EXPECT_DOUBLE_EQ(st.max, 10);
  EXPECT_DOUBLE_EQ(st.mean, 5.5);
  // Sample standard deviation of 1..10: sqrt(55/6).
  EXPECT_NEAR(st.stddev, std::sqrt(55.0 / 6.0), 1e-12);
  EXPECT_NEAR(st.cv, std::sqrt(55.0 / 6.0) / 5.5, 1e-12);
}

TEST(LatencyStats, OneSampleAndConstantSamples) {
  auto one = compute_latency_stats({2.5});
  EXPECT_EQ(one.p50, 2.5);
  EXPECT_EQ(one.p99, 2.5);
  EXPECT_EQ(one.stddev, 0);
  auto flat = compute_latency_stats({3, 3, 3, 3});
  EXPECT_EQ(flat.cv, 0);
  EXPECT_THROW(compute_latency_stats({}), Error);
}

TEST(LatencyStats, JsonRoundTrip) {
  auto st = compute_latency_stats({1, 2, 3, 4, 100});
  auto back = LatencyStats::from_json(st.to_json());
  EXPECT_EQ(back.p90, st.p90);
  EXPECT_EQ(back.cv, st.cv);
  EXPECT_EQ(back.runs, 5);
}

TEST(Schedule, InterleavesWarmupThenRuns) {
  auto s = interleaved_schedule(2, 1, 3);
  std::vector<ScheduleStep> want{{0, true},  {1, true},  {0, false}, {1, false},
                                 {0, false}, {1, false}, {0, false}, {1, false}};
  EXPECT_EQ(s, want);
}

TEST(Schedule, BlocksKeepCountsExact) {
  auto s = interleaved_schedule(3, 0, 5, 2);
  std::vector<int> order;
  for (const auto& step : s) order.push_back(step.model);
  // Blocks of two, the last block holds the remaining one run.
  EXPECT_EQ(order, (std::vector<int>{0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 0, 1, 2}));
  EXPECT_THROW(interleaved_schedule(0, 1, 1), Error);
  EXPECT_THROW(interleaved_schedule(1, 1, 0), Error);
}

namespace {

// A target that records the order of its runs in a shared log.
class FakeTarget : public BenchTarget {
 public:
  FakeTarget(int id, std::vector<int>* log, bool spins = false)
      : id_(id), log_(log), spins_(spins) {}
  std::string engine() const override { return "fake"; }
  bool spins_after_run() const override { return spins_; }
  std::optional<Shape> input_shape() const override { return Shape{-1, 1, 2, 2}; }
  void prepare(const std::vector<HostTensor>& inputs) override { batch_ = inputs.at(0).shape[0]; }
  void run() override { log_->push_back(id_); }
  HostTensor infer(const HostTensor& input) override {
    // Class = index of the largest of the first three pixels.
    int64_t n = input.shape[0];
    HostTensor out("y", DType::Float32, {n, 3});
    for (int64_t r = 0; r < n; ++r)
      for (int64_t c = 0; c < 3; ++c) out.set(r * 3 + c, input.at(r * 4 + c));
    return out;
  }
  int64_t batch_ = 0;

 private:
  int id_;
  std::vector<int>* log_;
  bool spins_;
};

Dataset tiny_dataset() {
  Dataset ds;
  ds.name = "mnist";
  ds.split = Split::kTest;
  ds.count = 6;
  ds.rows = ds.cols = 2;
  // Sample i has its brightest pixel at i % 3.
  for (int i = 0; i < 6; ++i) {
    for (int p = 0; p < 4; ++p) ds.images.push_back(p == i % 3 ? 200 : 10);
    ds.labels.push_back(static_cast<uint8_t>(i % 3));
  }
  ds.labels[5] = 0;  // one wrong label: 5 of 6 correct
  return ds;
}

}  // namespace

TEST(RunBench, MeasuresInterleavedAndScoresAccuracy) {
  std::vector<int> log;
  std::vector<BenchModel> models;
  for (int i = 0; i < 2; ++i) {
    BenchModel m;
    m.name = i == 0 ? "a.onnx" : "b.pt";
    m.size_bytes = 1000000;
    m.target = std::make_unique<FakeTarget>(i, &log);
    models.push_back(std::move(m));
  }
  models[0].flops_per_sample = 1e6;
  BenchSettings s;
  s.runs = 4;
  s.warmup = 2;
  s.batches = {1, 3};
  s.settle_ms = 0;  // strictly A, B, A, B (the settle run is checked below)
  Dataset ds = tiny_dataset();
  auto r = run_bench(models, resolve_input_shape(models, ""), s, &ds);
  EXPECT_EQ(log.size(), 2u * 2u * 6u);
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i], static_cast<int>(i % 2)) << i;
  ASSERT_EQ(r.results.size(), 4u);
  EXPECT_EQ(r.results[2].batch, 3);
  EXPECT_EQ(r.results[0].latency.runs, 4);
  EXPECT_TRUE(r.results[0].gflops_p50.has_value());
  EXPECT_FALSE(r.results[1].gflops_p50.has_value());
  ASSERT_TRUE(r.models[1].accuracy.has_value());
  EXPECT_EQ(r.models[1].accuracy->correct, 5);
  EXPECT_EQ(r.models[1].accuracy->samples, 6);
  EXPECT_DOUBLE_EQ(r.models[1].delta_accuracy_pp.value_or(-1), 0.0);
}

// At each switch to another model's timed runs, one untimed run of that model first; a pause
// before it only when the previous model's engine spins after a run.
TEST(RunBench, SettlesAtEachSwitchToAnotherModel) {
  for (bool spins : {false, true}) {
    std::vector<int> log;
    std::vector<BenchTarget*> targets;
    FakeTarget a(0, &log, spins), b(1, &log, spins);
    targets = {&a, &b};
    auto start = std::chrono::steady_clock::now();
    auto samples = timed_runs(targets, interleaved_schedule(2, 1, 4, 2), 30, 0);
    double elapsed_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    // Warm-ups A, B; then blocks A A | B B | A A | B B, each switch preceded by a settle run.
    EXPECT_EQ(log, (std::vector<int>{0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1}));
    ASSERT_EQ(samples.size(), 2u);
    EXPECT_EQ(samples[0].size(), 4u);  // the settle runs are not samples
    EXPECT_EQ(samples[1].size(), 4u);
    // Four switches, each waits for the spinning threads (a lower bound only: sleeping is at
    // least that long; no upper bound on a shared machine).
    if (spins) {
      EXPECT_GE(elapsed_ms, 4 * 30.0);
    }
  }
  // With a re-warm time, each switch runs the next model untimed for that long (the fake runs
  // take no time, so many times); the samples stay the timed runs.
  std::vector<int> log;
  FakeTarget a(0, &log), b(1, &log);
  auto samples = timed_runs({&a, &b}, interleaved_schedule(2, 1, 4, 2), 30, 2.0);
  EXPECT_GT(log.size(), 14u);
  EXPECT_EQ(samples[0].size(), 4u);
  EXPECT_EQ(samples[1].size(), 4u);
}

TEST(RunBench, InputShapeFromModelOrFlag) {
  std::vector<int> log;
  std::vector<BenchModel> models(1);
  models[0].name = "m";
  models[0].target = std::make_unique<FakeTarget>(0, &log);
  EXPECT_EQ(resolve_input_shape(models, ""), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(resolve_input_shape(models, "4x3"), (Shape{4, 3}));
  EXPECT_THROW(resolve_input_shape(models, "4xq"), UsageError);
}

TEST(Accuracy, CountsArgmaxAgainstLabels) {
  HostTensor logits = make_tensor("y", DType::Float32, {3, 2}, {0.1, 0.9, 0.8, 0.2, 0.5, 0.4});
  uint8_t labels[] = {1, 0, 1};
  EXPECT_EQ(count_top1_correct(logits, labels, 3), 2);
  EXPECT_THROW(count_top1_correct(logits, labels, 2), Error);
}

TEST(Accuracy, TinyOnnxModelThroughOrtTarget) {
  // Flatten → MatMul with a 4×3 selector: class c scores pixel c.
  test::ModelBuilder b;
  b.input("x", DType::Float32, {-1, 1, 2, 2});
  std::vector<double> w(12, 0.0);
  for (int c = 0; c < 3; ++c) w[static_cast<size_t>(c * 3 + c)] = 1.0;
  b.initializer(make_tensor("w", DType::Float32, {4, 3}, w));
  auto& flat = b.node("Flatten", {"x"}, {"f"});
  test::add_int(flat, "axis", 1);
  b.node("MatMul", {"f", "w"}, {"y"});
  b.output("y", DType::Float32, {-1, 3});
  fs::path dir = fs::temp_directory_path() / "kiln_test_bench_acc";
  fs::create_directories(dir);
  save_model(b.model(), dir / "tiny.onnx");
  SessionOptions o;
  o.intra_op_threads = 1;
  OrtTarget t(dir / "tiny.onnx", o);
  EXPECT_EQ(t.input_shape(), (Shape{-1, 1, 2, 2}));
  Dataset ds = tiny_dataset();
  auto acc = top1_accuracy(ds, 0, 4, [&](const HostTensor& x) { return t.infer(x); });
  EXPECT_EQ(acc.samples, 6);
  EXPECT_EQ(acc.correct, 5);
  // Prepared runs work on the same session and FLOPs come from shape inference (2·4·3).
  t.prepare({dataset_batch(ds, 0, 2)});
  t.run();
  auto flops = onnx_flops_per_sample(dir / "tiny.onnx");
  ASSERT_TRUE(flops.has_value());
  EXPECT_DOUBLE_EQ(*flops, 24.0);
  fs::remove_all(dir);
}

namespace {

BenchResult sample_report() {
  BenchResult r;
  BenchModelRecord a, b;
  a.name = "model.onnx";
  a.engine = "onnxruntime";
  a.size_bytes = 4800000;
  a.accuracy = Accuracy{100, 99};
  a.delta_accuracy_pp = 0.0;
  b.name = "a,b \"q\".pt";
  b.engine = "libtorch";
  b.size_bytes = 4825319;
  b.accuracy = Accuracy{100, 98};
  b.delta_accuracy_pp = -1.0;
  r.models = {a, b};
  auto result = [](int m, int64_t batch, std::vector<double> samples) {
    BenchRow j;
    j.model = m;
    j.batch = batch;
    j.latency = compute_latency_stats(samples);
    j.throughput_calls_per_s = 1000 / j.latency.mean;
    j.throughput_samples_per_s = 1000.0 * static_cast<double>(batch) / j.latency.mean;
    if (m == 0) j.gflops_p50 = 24e6 * static_cast<double>(batch) / (j.latency.p50 * 1e6);
    return j;
  };
  r.results = {result(0, 1, {0.14, 0.15, 0.16}), result(1, 1, {1.0, 1.1, 0.9}),
               result(0, 64, {7.5, 7.6, 7.4}), result(1, 64, {7.3, 9.0, 6.0})};
  r.sgemm = SgemmRate{"test", 2048, 5, 205.0, 200.0};
  r.warnings = noise_warnings(r.measurement());
  r.notes = {"a note"};
  return r;
}

// Tags balance, attributes are quoted and there is one root <svg>.
bool well_formed_xml(const std::string& s, std::string* why) {
  std::vector<std::string> stack;
  size_t i = 0;
  int roots = 0;
  while ((i = s.find('<', i)) != std::string::npos) {
    size_t end = s.find('>', i);
    if (end == std::string::npos) return *why = "unclosed tag", false;
    std::string tag = s.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.empty()) return *why = "empty tag", false;
    if (tag[0] == '?' || tag[0] == '!') continue;
    if (std::count(tag.begin(), tag.end(), '"') % 2)
      return *why = "unbalanced quote in " + tag, false;
    if (tag[0] == '/') {
      if (stack.empty() || stack.back() != tag.substr(1))
        return *why = "mismatched </" + tag, false;
      stack.pop_back();
      continue;
    }
    std::string name = tag.substr(0, tag.find_first_of(" /"));
    if (stack.empty()) ++roots;
    if (tag.back() != '/') stack.push_back(name);
  }
  if (!stack.empty()) return *why = "unclosed <" + stack.back() + ">", false;
  if (roots != 1) return *why = "roots: " + std::to_string(roots), false;
  return true;
}

}  // namespace

TEST(Noise, WarnsWhenDifferenceIsInsideTheSpread) {
  auto a = compute_latency_stats({1.0, 1.2, 0.8, 1.0});
  auto b = compute_latency_stats({1.05, 1.25, 0.85, 1.05});
  EXPECT_TRUE(ranking_warning("a", a, "b", b, 1).has_value());
  auto c = compute_latency_stats({2.0, 2.0, 2.0, 2.01});
  EXPECT_FALSE(ranking_warning("a", a, "c", c, 1).has_value());
  auto r = sample_report();
  // batch 64: 7.5 vs 7.3 with CV ~20% cannot be ranked; batch 1 (0.15 vs 1.0) can.
  bool found = false;
  for (const auto& s : r.warnings) {
    EXPECT_EQ(s.find("batch 1:"), std::string::npos) << s;
    found |=
        s.find("batch 64") != std::string::npos && s.find("cannot be ranked") != std::string::npos;
  }
  EXPECT_TRUE(found);
}

TEST(BenchReport, SeminarTableAndStatistics) {
  auto r = sample_report();
  Table t = seminar_table(r.measurement());
  EXPECT_EQ(t.header, (std::vector<std::string>{"Model", "Batch", "Size (MB)", "Latency (ms)",
                                                "Throughput (req/s)", "Δ Accuracy"}));
  ASSERT_EQ(t.rows.size(), 4u);
  EXPECT_EQ(t.rows[0][0], "model.onnx");
  EXPECT_EQ(t.rows[0][2], "4.80");
  EXPECT_EQ(t.rows[0][3], "0.150");
  EXPECT_EQ(t.rows[1][5], "-1.00 pp");
  Table s = statistics_table(r);
  EXPECT_EQ(s.rows[2][14], "100%");  // 7.5 ms for 64 × 24 MFLOP = 204.8 GFLOP/s of 205
  EXPECT_EQ(s.rows[1][14], "—");
  std::string md = bench_markdown(r, "![chart](x.svg)");
  EXPECT_NE(md.find("| Model "), std::string::npos);
  EXPECT_NE(md.find("## Chart\n\n![chart](x.svg)"), std::string::npos);
  EXPECT_NE(md.find("## Noise"), std::string::npos);
  EXPECT_NE(md.find("- a note"), std::string::npos);
  EXPECT_NE(bench_text(r).find("Throughput (req/s)"), std::string::npos);
}

TEST(BenchReport, CsvQuotesAndHasOneRowPerResult) {
  auto r = sample_report();
  std::string csv = bench_csv(r);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 5);
  EXPECT_EQ(csv.rfind("model,engine,batch,", 0), 0u);
  EXPECT_NE(csv.find("\"a,b \"\"q\"\".pt\",libtorch,1,4825319,"), std::string::npos);
  EXPECT_EQ(csv_field("plain"), "plain");
  // The record is the data: it round-trips through its JSON text.
  auto back = parse_record<BenchResult>(record_text(r), "bench report");
  EXPECT_EQ(back.results[3].latency.runs, 3);
  EXPECT_EQ(record_text(back), record_text(r));
}

TEST(BenchReport, SvgIsWellFormedAndEscaped) {
  auto r = sample_report();
  std::string svg = bench_chart_svg(r.measurement());
  std::string why;
  EXPECT_TRUE(well_formed_xml(svg, &why)) << why;
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0), 0u);
  EXPECT_NE(svg.find("a,b &quot;q&quot;.pt"), std::string::npos);
  EXPECT_NE(svg.find("batch 64: p50 latency"), std::string::npos);
  EXPECT_EQ(std::count(svg.begin(), svg.end(), '\n') > 10, true);
  std::string html = bench_html(r);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(xml_escape("<a & 'b'>"), "&lt;a &amp; &apos;b&apos;&gt;");
}

// --tune's rule: a search winner that loses to the defaults when re-measured was noise.
TEST(Tune, KeepsTheDefaultsWhenTheWinnerLosesTheConfirmation) {
  EXPECT_EQ(kept_candidate(3, 1.2), 3);
  EXPECT_EQ(kept_candidate(3, 1.0), 3);  // as fast as the defaults: still the winner
  EXPECT_EQ(kept_candidate(3, 0.97), 0);
  EXPECT_EQ(kept_candidate(0, 0.5), 0);  // the defaults won the search
}

namespace {

// The defaults' function (FakeTarget::infer) with one fault, to check what --tune refuses.
class FaultyTarget : public FakeTarget {
 public:
  enum Fault { None, Offset, NaN, FailsAtBatchOne, Tiny };
  FaultyTarget(Fault fault, std::vector<int>* log) : FakeTarget(1, log), fault_(fault) {}
  HostTensor infer(const HostTensor& input) override {
    if (fault_ == FailsAtBatchOne && input.shape[0] == 1) throw Error("not a valid reshape");
    HostTensor out = FakeTarget::infer(input);
    if (fault_ == Offset) out.set(0, out.at(0) + 1.0f);
    if (fault_ == NaN) out.set(0, std::nanf(""));
    if (fault_ == Tiny) out.set(0, out.at(0) * (1 + 1e-7f));  // float reordering noise
    return out;
  }

 private:
  Fault fault_;
};

}  // namespace

// --tune only recommends settings that compute what the defaults compute, at two batch sizes.
TEST(Tune, RefusesCandidatesThatDisagreeWithTheDefaults) {
  std::vector<int> log;
  FakeTarget defaults(0, &log);
  const auto cases = reference_cases(defaults, Shape{-1, 1, 2, 2}, 64);
  auto why = [&](FaultyTarget::Fault f) {
    FaultyTarget c(f, &log);
    return candidate_disagreement(c, cases);
  };
  EXPECT_EQ(why(FaultyTarget::None), "");
  EXPECT_EQ(why(FaultyTarget::Tiny), "");
  EXPECT_NE(why(FaultyTarget::Offset).find("relative L2"), std::string::npos);
  EXPECT_NE(why(FaultyTarget::NaN).find("non-finite"), std::string::npos);
  EXPECT_EQ(why(FaultyTarget::FailsAtBatchOne), "fails at batch 1: not a valid reshape");
}

TEST(BenchConfig, RoundTripAndErrors) {
  SessionOptions o{2, GraphOptLevel::Extended, ExecutionProvider::Dnnl, false};
  auto back = session_options_from_json(session_options_json(o), "x");
  EXPECT_EQ(back.intra_op_threads, 2);
  EXPECT_EQ(back.optimization, GraphOptLevel::Extended);
  EXPECT_EQ(back.provider, ExecutionProvider::Dnnl);
  EXPECT_FALSE(back.allow_spinning);
  EXPECT_EQ(describe_session_options(o), "2 threads, opt extended, dnnl, spinning off");
  fs::path f = fs::temp_directory_path() / "kiln_test_best.json";
  nlohmann::json cfg = {{"best", {{"latency", {{"options", session_options_json(o)}}}}}};
  write_file_atomic(f, cfg.dump());
  EXPECT_EQ(read_bench_config(f, "latency").intra_op_threads, 2);
  EXPECT_THROW(read_bench_config(f, "throughput"), Error);
  EXPECT_THROW(read_bench_config(f, "speed"), UsageError);
  write_file_atomic(f, "{\"best\": {\"latency\": {\"options\": {\"intra_op_threads\": 1}}}}");
  try {
    read_bench_config(f, "latency");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
  }
  fs::remove(f);
}

// Issue 33: best.json errors name the file and the problem in words: a thread count past the cap
// (1e12 was called "negative"), a JSON list (called "not JSON"), a wrong type (a raw
// "[json.exception.type_error.305]" without the file).
TEST(BenchConfig, BadValuesAreNamedWithTheFile) {
  fs::path f = fs::temp_directory_path() / "kiln_test_best_bad.json";
  auto error_of = [&](const std::string& text) {
    write_file_atomic(f, text);
    try {
      read_bench_config(f, "latency");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("read");
  };
  auto with_threads = [](const std::string& n) {
    return R"({"best": {"latency": {"options": {"intra_op_threads": )" + n +
           R"(, "optimization": "all", "provider": "cpu", "allow_spinning": true}}}})";
  };
  const std::string name = f.string();
  EXPECT_EQ(error_of(with_threads("2")), "read");
  for (const std::string n : {"100000", "1e12", "1099511627776", "18446744073709551615"}) {
    std::string e = error_of(with_threads(n));
    EXPECT_EQ(e.rfind(name + " (best.latency): ", 0), 0u) << e;
    EXPECT_NE(e.find(n == "1e12" ? "must be an integer" : "is more than"), std::string::npos) << e;
  }
  EXPECT_NE(error_of(with_threads("-3")).find("intra_op_threads is negative (-3)"),
            std::string::npos);
  EXPECT_NE(
      error_of(with_threads("\"4\"")).find("'intra_op_threads' must be an integer, not string"),
      std::string::npos);
  EXPECT_EQ(error_of("[1, 2]"),
            name + ": a JSON array, not an object (expected the best.json of kiln bench --tune)");
  EXPECT_EQ(error_of("{nope"), name + ": not JSON (expected the best.json of kiln bench --tune)");
  for (const std::string text : {R"({"best": [1]})", R"({"best": {"latency": 3}})",
                                 R"({"best": {"latency": {"options": []}}})"}) {
    std::string e = error_of(text);
    EXPECT_EQ(e.rfind(name, 0), 0u) << e;
    EXPECT_EQ(e.find("json.exception"), std::string::npos) << e;
  }
  fs::remove(f);
}

TEST(ThreadLimit, CountsAboveTheCapAreRefused) {
  EXPECT_GE(max_thread_count(), 4);
  EXPECT_NO_THROW(check_thread_option(0, "threads", "default"));
  EXPECT_NO_THROW(check_thread_option(max_thread_count(), "threads", "default"));
  EXPECT_THROW(check_thread_option(max_thread_count() + 1, "threads", "default"), OptionError);
  EXPECT_THROW(check_thread_option(100000, "threads", "default"), OptionError);
  EXPECT_THROW(check_thread_option(-1, "threads", "default"), OptionError);
  // The session itself refuses such a count too (every command's last line before threads start).
  ModelBuilder b(17, 8);
  b.input("x", DType::Float32, {1}).output("y", DType::Float32, {1});
  b.node("Relu", {"x"}, {"y"});
  const std::string bytes = serialize_model(b.model());
  SessionOptions so;
  EXPECT_NO_THROW(OrtSession::from_bytes(bytes, so, "m"));
  so.intra_op_threads = 100000;
  try {
    OrtSession::from_bytes(bytes, so, "m");
    FAIL() << "100000 threads accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("100000 intra-op threads: at most"), std::string::npos)
        << e.what();
  }
}

}  // namespace kiln
