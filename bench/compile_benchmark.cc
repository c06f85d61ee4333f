// How long a large definition takes to become a CompiledPipeline (parse + validate + DAG), and
// the share of each stage. The definition is SyntheticDefinition(N): the SDK's shapes, property
// references, DependsOn and Condition steps, ~1 KB per step.
#include "definition/json.h"
#include "definition/parser.h"
#include "definition/validator.h"
#include "graph/compiled_pipeline.h"
#include "graph/dag.h"

#include <benchmark/benchmark.h>

#include "synthetic_pipeline.h"

namespace sluice {
namespace {

void SetCounters(benchmark::State& state, const std::string& text) {
  state.counters["steps"] = static_cast<double>(state.range(0));
  state.counters["bytes"] = static_cast<double>(text.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

// Destroying a result of a 10,000-step definition takes a large share of the time it took to
// build, and is not part of compiling: it happens outside the timed region.
template <class T>
void DestroyUntimed(benchmark::State& state, T& result) {
  state.PauseTiming();
  result = T();
  state.ResumeTiming();
}

void Compile(benchmark::State& state) {
  const std::string text = SyntheticDefinition(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    CompileOutcome outcome = sluice::Compile(text);
    if (!outcome.pipeline) {
      state.SkipWithError(outcome.errors.front().ToString().c_str());
      return;
    }
    benchmark::DoNotOptimize(outcome.pipeline);
    DestroyUntimed(state, outcome);
  }
  SetCounters(state, text);
}

void ParseJsonOnly(benchmark::State& state) {
  const std::string text = SyntheticDefinition(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    Result<Value> value = ParseJson(text);
    benchmark::DoNotOptimize(value);
    DestroyUntimed(state, *value);
  }
  SetCounters(state, text);
}

void ParseDefinitionOnly(benchmark::State& state) {
  const std::string text = SyntheticDefinition(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto definition = ParseDefinition(text);
    benchmark::DoNotOptimize(definition);
    DestroyUntimed(state, *definition);
  }
  SetCounters(state, text);
}

void ValidateOnly(benchmark::State& state) {
  const std::string text = SyntheticDefinition(static_cast<size_t>(state.range(0)));
  auto definition = ParseDefinition(text);
  if (!definition) {
    state.SkipWithError(definition.error().front().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    ValidationReport report = Validate(*definition);
    benchmark::DoNotOptimize(report);
  }
  SetCounters(state, text);
}

void BuildDagOnly(benchmark::State& state) {
  const std::string text = SyntheticDefinition(static_cast<size_t>(state.range(0)));
  auto definition = ParseDefinition(text);
  if (!definition) {
    state.SkipWithError(definition.error().front().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    auto dag = Dag::Build(*definition);
    benchmark::DoNotOptimize(dag);
  }
  SetCounters(state, text);
}

BENCHMARK(Compile)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(ParseJsonOnly)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(ParseDefinitionOnly)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(ValidateOnly)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BuildDagOnly)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sluice

BENCHMARK_MAIN();
