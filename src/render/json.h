#pragma once
/// The JSON export: library.json (the whole library) and personas/<pid>.json (one persona each),
/// with the community figures. The shape is published as schema/export.schema.json (draft-07);
/// "format" is raised when it changes incompatibly.
#include <nlohmann/json.hpp>
#include <string>

#include "render/context.h"

namespace persona::render {

inline constexpr int kJsonFormat = 2;

/// One persona with its fields and community figures (an item of library.json's "personas").
nlohmann::ordered_json persona_json(const RenderContext& ctx, const Persona& p);

/// The text of personas/<pid>.json: {"format", "kind": "persona", "library", "persona"}.
std::string persona_document(const RenderContext& ctx, const Persona& p);

/// The text of library.json: {"format", "kind": "library", "library", "apps", "categories",
/// "tags", "personas"}.
std::string library_document(const RenderContext& ctx);

/// Sends library.json and every personas/<pid>.json (with input keys) to `out`.
void add_json_export(const RenderContext& ctx, Sink& out);

}  // namespace persona::render
