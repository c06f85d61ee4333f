// Renders a pipeline's DAG for people: an indented tree, Graphviz dot, or a Mermaid flowchart.
#pragma once

#include <string>

namespace sluice {

struct CompiledPipeline;

// Steps from the roots down; a step reached again through a second upstream step is shown
// once in full and then as "(see above)". Branch edges are labelled [if] / [else].
std::string FormatGraphAsText(const CompiledPipeline& pipeline);
std::string FormatGraphAsDot(const CompiledPipeline& pipeline);
std::string FormatGraphAsMermaid(const CompiledPipeline& pipeline);

}  // namespace sluice
