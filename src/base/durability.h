// How far what Sluice writes (its state, job records, objects) survives failures, before it is
// reported. docs/adr/0005-durability.md explains the choice.
//   kProcessCrash: written to the kernel before it is reported, and renamed into place
//     atomically, so the death of any Sluice process at any moment (kill -9) loses nothing and
//     leaves nothing half written. A crash of the whole machine may lose the last changes, never
//     corrupt what was there.
//   kMachineCrash: also synced to the disk (fsync) before it is reported, so it survives a power
//     loss too, at a few milliseconds per write on ordinary disks.
#pragma once

#include <optional>
#include <string_view>

namespace sluice {

enum class Durability { kProcessCrash, kMachineCrash };

// "process" or "machine", as the command line spells them.
std::string_view DurabilityName(Durability durability);
std::optional<Durability> DurabilityFromName(std::string_view name);

}  // namespace sluice
