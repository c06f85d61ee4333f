#include "graph/dag.h"

#include "base/text.h"
#include "definition/expression.h"
#include "definition/pipeline_definition.h"

#include <algorithm>
#include <functional>

namespace sluice {
namespace {

int Strength(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kIfBranch:
    case EdgeKind::kElseBranch:
      return 2;
    case EdgeKind::kData:
      return 1;
    case EdgeKind::kOrder:
      return 0;
  }
  return 0;
}

void CollectStepReferences(const Expression& expression, const PipelineDefinition& definition,
                           size_t to, std::vector<Edge>& edges) {
  ForEachReference(expression, [&](const Reference& reference) {
    if (reference.root != Reference::Root::kStep) return;
    if (auto from = definition.FindStep(reference.name))
      edges.push_back(Edge{*from, to, EdgeKind::kData});
  });
}

// Finds one cycle among the steps Kahn's algorithm could not order, as a path of names.
std::string DescribeCycle(const PipelineDefinition& definition, const Dag& dag,
                          const std::vector<size_t>& unfinished) {
  std::vector<int> state(definition.steps.size(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<size_t> stack;
  std::vector<size_t> cycle;
  std::function<bool(size_t)> visit = [&](size_t step) {
    state[step] = 1;
    stack.push_back(step);
    for (const Edge& edge : dag.Downstream(step)) {
      if (unfinished[edge.to] == 0) continue;
      if (state[edge.to] == 1) {
        auto start = std::find(stack.begin(), stack.end(), edge.to);
        cycle.assign(start, stack.end());
        cycle.push_back(edge.to);
        return true;
      }
      if (state[edge.to] == 0 && visit(edge.to)) return true;
    }
    stack.pop_back();
    state[step] = 2;
    return false;
  };
  for (size_t step = 0; step < definition.steps.size(); ++step) {
    if (unfinished[step] != 0 && state[step] == 0 && visit(step)) break;
  }
  std::vector<std::string> names;
  for (size_t step : cycle) names.push_back(definition.steps[step].name);
  return Join(names, " -> ");
}

}  // namespace

std::string_view EdgeKindName(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kData:
      return "data";
    case EdgeKind::kOrder:
      return "order";
    case EdgeKind::kIfBranch:
      return "if";
    case EdgeKind::kElseBranch:
      return "else";
  }
  return "";
}

Result<Dag, Errors> Dag::Build(const PipelineDefinition& definition) {
  const size_t count = definition.steps.size();
  std::vector<Edge> edges;
  for (size_t to = 0; to < count; ++to) {
    const StepSpec& step = definition.steps[to];
    // The parser lists the step's expressions: no need to walk its Arguments.
    for (const auto& expression : step.expressions) {
      CollectStepReferences(*expression, definition, to, edges);
    }
    for (const std::string& name : step.depends_on) {
      if (auto from = definition.FindStep(name)) edges.push_back(Edge{*from, to, EdgeKind::kOrder});
    }
    for (size_t child : step.rare().if_steps) edges.push_back(Edge{to, child, EdgeKind::kIfBranch});
    for (size_t child : step.rare().else_steps)
      edges.push_back(Edge{to, child, EdgeKind::kElseBranch});
  }
  // One edge per (from, to), keeping the kind that gates most.
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    if (a.to != b.to) return a.to < b.to;
    if (a.from != b.from) return a.from < b.from;
    return Strength(a.kind) > Strength(b.kind);
  });
  edges.erase(
      std::unique(edges.begin(), edges.end(),
                  [](const Edge& a, const Edge& b) { return a.from == b.from && a.to == b.to; }),
      edges.end());
  // Self-references are reported by the validator; they are not edges.
  edges.erase(
      std::remove_if(edges.begin(), edges.end(), [](const Edge& e) { return e.from == e.to; }),
      edges.end());

  Dag dag;
  dag.upstream_offsets_.assign(count + 1, 0);
  dag.downstream_offsets_.assign(count + 1, 0);
  for (const Edge& edge : edges) {
    ++dag.upstream_offsets_[edge.to + 1];
    ++dag.downstream_offsets_[edge.from + 1];
  }
  for (size_t i = 0; i < count; ++i) {
    dag.upstream_offsets_[i + 1] += dag.upstream_offsets_[i];
    dag.downstream_offsets_[i + 1] += dag.downstream_offsets_[i];
  }
  dag.upstream_edges_ = edges;  // already sorted by (to, from)
  dag.downstream_edges_.resize(edges.size());
  std::vector<size_t> cursor(dag.downstream_offsets_.begin(), dag.downstream_offsets_.end() - 1);
  for (const Edge& edge : edges) dag.downstream_edges_[cursor[edge.from]++] = edge;

  std::vector<size_t> unfinished(count);
  for (size_t step = 0; step < count; ++step) {
    unfinished[step] = dag.Upstream(step).size();
    if (unfinished[step] == 0) dag.roots_.push_back(step);
  }
  dag.topological_order_ = dag.roots_;
  for (size_t next = 0; next < dag.topological_order_.size(); ++next) {
    for (const Edge& edge : dag.Downstream(dag.topological_order_[next])) {
      if (--unfinished[edge.to] == 0) dag.topological_order_.push_back(edge.to);
    }
  }
  if (dag.topological_order_.size() != count) {
    const std::string cycle = DescribeCycle(definition, dag, unfinished);
    const size_t first = *definition.FindStep(cycle.substr(0, cycle.find(' ')));
    return Errors{InvalidArgument(definition.steps[first].location,
                                  "steps depend on each other in a cycle: " + cycle)};
  }
  return dag;
}

std::span<const Edge> Dag::Upstream(size_t step) const {
  return {upstream_edges_.data() + upstream_offsets_[step],
          upstream_offsets_[step + 1] - upstream_offsets_[step]};
}

std::span<const Edge> Dag::Downstream(size_t step) const {
  return {downstream_edges_.data() + downstream_offsets_[step],
          downstream_offsets_[step + 1] - downstream_offsets_[step]};
}

ReadySet::ReadySet(const Dag& dag)
    : dag_(dag), unfinished_upstream_(dag.size()), is_cut_off_(dag.size(), false) {
  for (size_t step = 0; step < dag.size(); ++step) {
    unfinished_upstream_[step] = dag.Upstream(step).size();
  }
}

ReadySet::Progress ReadySet::Start() {
  Progress progress;
  progress.ready = dag_.Roots();
  return progress;
}

ReadySet::Progress ReadySet::Finish(size_t step, bool outcome) {
  Progress progress;
  Release(step, true, outcome, progress);
  return progress;
}

void ReadySet::Release(size_t step, bool step_ran, bool outcome, Progress& progress) {
  for (const Edge& edge : dag_.Downstream(step)) {
    const bool is_gated_off = !step_ran || (edge.kind == EdgeKind::kIfBranch && !outcome) ||
                              (edge.kind == EdgeKind::kElseBranch && outcome);
    if (is_gated_off) is_cut_off_[edge.to] = true;
    if (--unfinished_upstream_[edge.to] != 0) continue;
    if (is_cut_off_[edge.to]) {
      progress.skipped.push_back(edge.to);
      Release(edge.to, false, false, progress);
    } else {
      progress.ready.push_back(edge.to);
    }
  }
}

}  // namespace sluice
