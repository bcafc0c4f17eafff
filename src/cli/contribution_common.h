#pragma once
/// What `contribute` and `apply` share: turning a request into ContributeOptions with the
/// library's settings, and reporting a contribution that would not validate.
#include "cli/runtime.h"
#include "library/contribution.h"

namespace persona::cli {

/// Options for `request` with the library's branch prefix and note rule, the persona schema, the
/// clock (PERSONA_NOW) and the environment filled in; branch, base, push and dry_run are left to
/// the caller.
ContributeOptions contribute_options(Runtime& rt, ContributionRequest request);

/// Prints the diagnostics of a contribution that failed validation (before or after the change,
/// or its record) and says nothing was written. Returns kExitProblems.
int report_invalid_contribution(Runtime& rt, const Contribution& c, const std::string& pid);

}  // namespace persona::cli
