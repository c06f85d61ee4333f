#include "cli/graph_format.h"

#include "base/text.h"
#include "graph/compiled_pipeline.h"

#include <functional>

namespace sluice {
namespace {

std::string Label(const CompiledPipeline& pipeline, size_t step) {
  const StepSpec& spec = pipeline.definition.steps[step];
  return spec.name + " (" + std::string(InfoOf(spec.type).name) + ")";
}

std::string EdgePrefix(EdgeKind kind) {
  switch (kind) {
    case EdgeKind::kIfBranch:
      return "[if] ";
    case EdgeKind::kElseBranch:
      return "[else] ";
    case EdgeKind::kOrder:
      return "[after] ";
    case EdgeKind::kData:
      return "";
  }
  return "";
}

// Mermaid node ids must be plain identifiers; step names may hold "-".
std::string NodeId(size_t step) {
  // Appending, not `"s" + std::to_string(step)`: GCC 12 at -O3 warns falsely (-Wrestrict) on that.
  std::string id = "s";
  id += std::to_string(step);
  return id;
}

}  // namespace

std::string FormatGraphAsText(const CompiledPipeline& pipeline) {
  const Dag& dag = pipeline.dag;
  std::vector<bool> shown(dag.size(), false);
  std::string out;
  std::function<void(size_t, const std::string&, const std::string&, EdgeKind, bool)> print =
      [&](size_t step, const std::string& indent, const std::string& branch, EdgeKind kind,
          bool is_root) {
        out += indent + branch + (is_root ? "" : EdgePrefix(kind)) + Label(pipeline, step);
        if (shown[step]) {
          out += " (see above)\n";
          return;
        }
        out += "\n";
        shown[step] = true;
        auto children = dag.Downstream(step);
        const std::string child_indent = is_root ? "" : indent + (branch == "└─ " ? "   " : "│  ");
        for (size_t i = 0; i < children.size(); ++i) {
          const bool is_last = i + 1 == children.size();
          print(children[i].to, child_indent, is_last ? "└─ " : "├─ ", children[i].kind, false);
        }
      };
  for (size_t root : dag.Roots()) print(root, "", "", EdgeKind::kData, true);
  return out;
}

std::string FormatGraphAsDot(const CompiledPipeline& pipeline) {
  const Dag& dag = pipeline.dag;
  std::string out = "digraph pipeline {\n  rankdir=TB;\n  node [shape=box, style=rounded];\n";
  for (size_t step = 0; step < dag.size(); ++step) {
    out += "  " + NodeId(step) + " [label=" + Quote(Label(pipeline, step)) + "];\n";
  }
  for (size_t step = 0; step < dag.size(); ++step) {
    for (const Edge& edge : dag.Downstream(step)) {
      out += "  " + NodeId(edge.from) + " -> " + NodeId(edge.to);
      switch (edge.kind) {
        case EdgeKind::kData:
          break;
        case EdgeKind::kOrder:
          out += " [style=dashed]";
          break;
        case EdgeKind::kIfBranch:
          out += " [label=\"if\", color=darkgreen]";
          break;
        case EdgeKind::kElseBranch:
          out += " [label=\"else\", color=firebrick]";
          break;
      }
      out += ";\n";
    }
  }
  out += "}\n";
  return out;
}

std::string FormatGraphAsMermaid(const CompiledPipeline& pipeline) {
  const Dag& dag = pipeline.dag;
  std::string out = "flowchart TD\n";
  for (size_t step = 0; step < dag.size(); ++step) {
    const StepSpec& spec = pipeline.definition.steps[step];
    const std::string label = spec.name + "<br/>" + std::string(InfoOf(spec.type).name);
    out += "  " + NodeId(step) + (spec.type == StepType::kCondition ? "{" : "[") + "\"" + label +
           "\"" + (spec.type == StepType::kCondition ? "}" : "]") + "\n";
  }
  for (size_t step = 0; step < dag.size(); ++step) {
    for (const Edge& edge : dag.Downstream(step)) {
      out += "  " + NodeId(edge.from);
      switch (edge.kind) {
        case EdgeKind::kData:
          out += " --> ";
          break;
        case EdgeKind::kOrder:
          out += " -.-> ";
          break;
        case EdgeKind::kIfBranch:
          out += " -->|if| ";
          break;
        case EdgeKind::kElseBranch:
          out += " -->|else| ";
          break;
      }
      out += NodeId(edge.to) + "\n";
    }
  }
  return out;
}

}  // namespace sluice
