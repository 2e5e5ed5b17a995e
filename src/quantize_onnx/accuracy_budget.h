#pragma once
// --accuracy-budget: the search for the INT8 plan that keeps the fewest nodes float while the
// measured accuracy drop stays within the budget. Nodes are tried in sensitivity order (most
// sensitive first): the smallest prefix kept float that meets the budget is found by bisection
// (the drop falls as more nodes stay float), then each node of that prefix is put back, least
// sensitive first, when the budget still holds without it. Fewer float nodes is the search's speed
// proxy (every node kept float gives up its INT8 kernel); the caller then times the plans that held
// (plans_within_budget, quantize_onnx/plan_latency.h) and keeps the fastest. The measurement of
// the drop is the caller's.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "quantize_onnx/quantize_onnx_result.h"

namespace kiln {

// The drop (percentage points) of the plan that keeps `kept_float` float besides what the
// caller already keeps float.
using PlanDrop = std::function<double(const std::vector<std::string>& kept_float)>;

struct BudgetChoice {
  std::vector<std::string> kept_float;  // in sensitivity order
  double drop_pp = 0;
  std::vector<BudgetTrialRecord> trials;
};

// `by_sensitivity`: the quantizable nodes, most sensitive first. nullopt when no plan that still
// quantizes at least one node meets the budget (`trials` of the search are then in `*tried`).
std::optional<BudgetChoice> choose_within_budget(const std::vector<std::string>& by_sensitivity,
                                                 double budget_pp, const PlanDrop& drop,
                                                 std::vector<BudgetTrialRecord>* tried = nullptr);

// The plans that held the budget: the search's choice first, then the others it passed on its way
// there (each keeps more nodes float), fewest float nodes first, at most `limit` in all.
std::vector<BudgetTrialRecord> plans_within_budget(const BudgetChoice& choice, size_t limit);

}  // namespace kiln
