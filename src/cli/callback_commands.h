// `sluice callback succeed|fail|list`: answers the token a Callback step waits on, from any
// terminal, whether the step's execution runs in a `sluice run`, in `sluice serve` or in no
// engine at the moment. The answer is stored first; then the engine running the execution (its
// `engine.pid`) gets SIGUSR1 and ends the step.
#pragma once

#include "engine/callback_answer.h"

#include <string>

namespace sluice {

int RunCallbackAnswer(const std::string& state_dir, const CallbackAnswer& answer);
// The tokens still waiting, with their step, queue and message.
int RunCallbackList(const std::string& state_dir, const std::string& execution_id);

}  // namespace sluice
