// The DAG of a pipeline: one node per step (numbered as PipelineDefinition::steps), with typed
// edges. Data edges come from step references anywhere in a step's Arguments and other fields
// (Get, Std:JsonGet, and references nested in Std:Join); order edges from DependsOn; branch
// edges from each Condition step to the steps of its IfSteps / ElseSteps. Data and order
// edges only gate *when* a step runs; branch edges gate *whether* it runs.
//
// Built once per pipeline version and shared read-only by every execution (thread-safe).
#pragma once

#include "base/result.h"

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace sluice {

struct PipelineDefinition;

enum class EdgeKind { kData, kOrder, kIfBranch, kElseBranch };
std::string_view EdgeKindName(EdgeKind kind);

struct Edge {
  size_t from = 0;
  size_t to = 0;
  EdgeKind kind = EdgeKind::kData;
  bool operator==(const Edge&) const = default;
};

class Dag {
 public:
  // Fails with the cycle written as a path ("A -> B -> A") when the steps are not acyclic.
  static Result<Dag, Errors> Build(const PipelineDefinition& definition);

  size_t size() const { return upstream_offsets_.size() - 1; }
  // Edges into `step`, one per upstream step (the strongest kind when several apply:
  // branch, then data, then order), ordered by upstream index.
  std::span<const Edge> Upstream(size_t step) const;
  std::span<const Edge> Downstream(size_t step) const;
  const std::vector<size_t>& TopologicalOrder() const { return topological_order_; }
  const std::vector<size_t>& Roots() const { return roots_; }
  size_t edge_count() const { return upstream_edges_.size(); }

 private:
  std::vector<size_t> upstream_offsets_{0};
  std::vector<Edge> upstream_edges_;
  std::vector<size_t> downstream_offsets_{0};
  std::vector<Edge> downstream_edges_;
  std::vector<size_t> topological_order_;
  std::vector<size_t> roots_;
};

// Which steps may start, as steps finish. Pure bookkeeping over a shared Dag, one per
// execution: counts of unfinished upstream steps, and whether a step has been cut off by an
// untaken branch (or by an upstream step that never ran). A cut-off step is skipped, and so is
// everything downstream of it, as SageMaker does for the untaken branch of a Condition.
class ReadySet {
 public:
  explicit ReadySet(const Dag& dag);

  struct Progress {
    std::vector<size_t> ready;    // may start now
    std::vector<size_t> skipped;  // will never run
  };

  // The steps with no upstream steps.
  Progress Start();
  // `step` finished. For a Condition step, `outcome` says which branch was taken.
  Progress Finish(size_t step, bool outcome = true);

 private:
  void Release(size_t step, bool step_ran, bool outcome, Progress& progress);

  const Dag& dag_;
  std::vector<size_t> unfinished_upstream_;
  std::vector<bool> is_cut_off_;
};

}  // namespace sluice
