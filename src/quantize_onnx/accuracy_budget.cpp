#include "quantize_onnx/accuracy_budget.h"

#include <algorithm>

namespace kiln {

std::optional<BudgetChoice> choose_within_budget(const std::vector<std::string>& by_sensitivity,
                                                 double budget_pp, const PlanDrop& drop,
                                                 std::vector<BudgetTrialRecord>* tried) {
  BudgetChoice choice;
  auto within = [&](const std::vector<std::string>& kept, double* measured) {
    double d = drop(kept);
    bool ok = d <= budget_pp + 1e-12;
    choice.trials.push_back({kept, d, ok, std::nullopt});
    if (measured) *measured = d;
    return ok;
  };
  auto prefix = [&](size_t k) {
    return std::vector<std::string>(by_sensitivity.begin(), by_sensitivity.begin() + k);
  };
  const size_t n = by_sensitivity.size();
  double d = 0;
  // Everything quantized: the fastest plan, taken when it holds.
  if (within({}, &d)) {
    choice.drop_pp = d;
    return choice;
  }
  // At least one node must stay INT8, so at most n − 1 are kept float.
  if (n < 2 || !within(prefix(n - 1), &d)) {
    if (tried) *tried = choice.trials;
    return std::nullopt;
  }
  size_t lo = 0, hi = n - 1;  // prefix(lo) fails, prefix(hi) holds
  double hi_drop = d;
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (within(prefix(mid), &d)) {
      hi = mid;
      hi_drop = d;
    } else {
      lo = mid;
    }
  }
  std::vector<std::string> kept = prefix(hi);
  // Put back what the budget does not need, least sensitive first (the last of the prefix is
  // needed: without it the prefix is prefix(lo), which failed).
  for (size_t i = kept.size() - 1; i-- > 0;) {
    std::vector<std::string> fewer = kept;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
    if (within(fewer, &d)) {
      kept = std::move(fewer);
      hi_drop = d;
    }
  }
  choice.kept_float = std::move(kept);
  choice.drop_pp = hi_drop;
  return choice;
}

std::vector<BudgetTrialRecord> plans_within_budget(const BudgetChoice& choice, size_t limit) {
  std::vector<BudgetTrialRecord> out;
  for (const auto& t : choice.trials)
    if (t.within && t.kept_float == choice.kept_float) {
      out.push_back(t);
      break;
    }
  if (out.empty()) return out;
  std::vector<BudgetTrialRecord> others;
  for (const auto& t : choice.trials)
    if (t.within && t.kept_float != choice.kept_float) others.push_back(t);
  std::stable_sort(others.begin(), others.end(), [](const auto& a, const auto& b) {
    return a.kept_float.size() < b.kept_float.size();
  });
  for (auto& t : others) {
    if (out.size() >= limit) break;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace kiln
