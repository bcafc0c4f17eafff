#include "render/stream.h"


#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <exception>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include <fcntl.h>
#include <unistd.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "core/posix.h"
#include "core/text.h"
#include "render/html.h"
#include "render/links.h"

namespace persona::render {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kStateHeader = "persona html stream 5\n";

using File = std::unique_ptr<FILE, int (*)(FILE*)>;

/// What the lists, the search index and the page keys need of one persona file.
struct Item {
  std::string hash;  ///< git blob id of the file's bytes
  std::size_t quick = 0;  ///< a cheap hash of them, to notice a change between the two passes
  /// The file's stamp when `hash` was taken (empty when it had changed too recently to be
  /// trusted); `trusted` when this run found it unchanged and so did not read the file.
  Stamp stamp;
  bool trusted = false;
  Persona light;     ///< file, pid, name, app, category, tags
  bool known = false;                 ///< mentions and card are set (from the state or a parse)
  std::vector<std::string> mentions;  ///< pids its fields mention, sorted
  CardText card;
  std::string search_key;  ///< what its search entry was made from besides the file
  /// Its page's input key and its card's digest for the list pages, as the last export made
  /// them: still right while its bytes and the shared inputs (shared_inputs()) are the same.
  std::string page_key, list_digest;
  /// Where its search entry is: not made yet, in the previous export's search shard `shard`
  /// (old), or in the spool (new); at `off`, `len` bytes.
  enum class Entry { kNone, kOld, kNew } entry = Entry::kNone;
  std::uint64_t shard = 0, off = 0, len = 0;
};

// --- the state kept in the manifest: length-prefixed fields --------------------------------

void put(std::string& s, std::string_view v) {
  s += std::to_string(v.size());
  s += ':';
  s += v;
}

bool get(std::string_view& in, std::string_view& v) {
  std::size_t colon = in.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 12) return false;
  std::uint64_t n = 0;
  for (char c : in.substr(0, colon)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n > in.size() - colon - 1) return false;
  v = in.substr(colon + 1, n);
  in.remove_prefix(colon + 1 + n);
  return true;
}

bool get(std::string_view& in, std::string& v) {
  std::string_view s;
  if (!get(in, s)) return false;
  v = s;
  return true;
}

bool get(std::string_view& in, std::uint64_t& v) {
  std::string_view s;
  if (!get(in, s) || s.empty() || s.size() > 19) return false;
  v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

bool get(std::string_view& in, std::vector<std::string>& v) {
  std::uint64_t n;
  if (!get(in, n) || n > in.size()) return false;
  v.resize(n);
  for (auto& x : v)
    if (!get(in, x)) return false;
  return true;
}

std::string encode_state(const std::vector<Item>& items, const std::vector<Persona>& personas,
                         const std::vector<std::uint64_t>& shard_sizes, const std::string& shared) {
  std::string s(kStateHeader);
  // Sized first: one allocation for what can be several megabytes.
  std::size_t size = s.size() + 32 + 24 * shard_sizes.size();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const Persona& p = personas[i];
    size += 20 * 9 + p.file.size() + it.hash.size() + p.pid.size() + p.name.size() + p.app.size() +
            p.category.size() + it.card.excerpt.size() + it.card.aha.size() + it.search_key.size() +
            it.page_key.size() + it.list_digest.size();
    for (const auto& t : p.tags) size += 8 + t.size();
    for (const auto& m : it.mentions) size += 8 + m.size();
  }
  s.reserve(size);
  put(s, std::to_string(shard_sizes.size()));
  for (std::uint64_t n : shard_sizes) put(s, std::to_string(n));
  put(s, shared);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Item& it = items[i];
    const Persona& p = personas[i];
    put(s, p.file);
    put(s, it.hash);
    for (std::uint64_t v : {it.stamp.size, it.stamp.mtime_ns, it.stamp.ctime_ns, it.stamp.ino, it.stamp.dev})
      put(s, std::to_string(v));
    put(s, p.pid);
    put(s, p.name);
    put(s, p.app);
    put(s, p.category);
    put(s, std::to_string(p.tags.size()));
    for (const auto& t : p.tags) put(s, t);
    put(s, std::to_string(it.mentions.size()));
    for (const auto& m : it.mentions) put(s, m);
    put(s, it.card.excerpt);
    put(s, it.card.aha);
    put(s, it.search_key);
    put(s, it.page_key);
    put(s, it.list_digest);
    put(s, std::to_string(it.shard));
    put(s, std::to_string(it.off));
    put(s, std::to_string(it.len));
  }
  return s;
}

/// The previous export's items by file, with the size of each of its search shards and the
/// digest of its shared inputs; nothing when the state is missing or damaged.
std::unordered_map<std::string, Item> decode_state(std::string_view in,
                                                   std::vector<std::uint64_t>& shard_sizes,
                                                   std::string& shared) {
  std::unordered_map<std::string, Item> out;
  if (in.substr(0, kStateHeader.size()) != kStateHeader) return out;
  in.remove_prefix(kStateHeader.size());
  std::uint64_t shards = 0;
  if (!get(in, shards) || shards == 0 || shards > in.size()) return out;
  shard_sizes.resize(shards);
  for (auto& n : shard_sizes)
    if (!get(in, n)) return {};
  if (!get(in, shared)) return {};
  while (!in.empty()) {
    Item it;
    Stamp& st = it.stamp;
    if (!get(in, it.light.file) || !get(in, it.hash) || !get(in, st.size) || !get(in, st.mtime_ns) ||
        !get(in, st.ctime_ns) || !get(in, st.ino) || !get(in, st.dev) || !get(in, it.light.pid) ||
        !get(in, it.light.name) ||
        !get(in, it.light.app) || !get(in, it.light.category) || !get(in, it.light.tags) ||
        !get(in, it.mentions) || !get(in, it.card.excerpt) || !get(in, it.card.aha) ||
        !get(in, it.search_key) || !get(in, it.page_key) || !get(in, it.list_digest) ||
        !get(in, it.shard) || !get(in, it.off) || !get(in, it.len) || it.shard >= shards)
      return {};
    it.known = true;
    it.entry = Item::Entry::kOld;
    std::string file = it.light.file;
    out.emplace(std::move(file), std::move(it));
  }
  return out;
}

// --- per persona -------------------------------------------------------------------------------

Error changed_error(const std::string& file) {
  return io_error("cannot export " + quote(file, 200) + ": it changed while exporting",
                  "run the export again");
}

/// True when `path` is, by its stamp (`listed`, or else stat's now), the file `it` was hashed from.
bool unchanged(const fs::path& path, const Stamp& listed, const Item& it, std::uint64_t now) {
  return !it.stamp.empty() && (listed.empty() ? stamp_of(path, now) : listed) == it.stamp;
}

/// Reads a persona file, noting in `it` its stamp from before the read (empty for a file changed
/// too recently to be trusted next time, or one that changed while being read).
std::string read_noting_stamp(const fs::path& path, Item& it, std::uint64_t now) {
  it.stamp = stamp_of(path, now);
  std::string text = read_file(path, yaml::Limits{}.max_file_bytes);
  if (it.stamp.size != text.size()) it.stamp = {};
  return text;
}

/// Parses the text of a persona file that passed its checks. With `light`, only what other pages
/// show of it is wanted (no `version`).
Persona parse_persona(const std::string& file, const std::string& text, bool light) {
  yaml::Limits limits;
  std::optional<yaml::Node> tree;
  if (light) {
    // What other pages show comes first in a file (the schema's order, which fmt keeps): read
    // only as far as those keys when the file has them all.
    static const std::vector<std::string_view> kLight{"pid", "name", "app", "category", "tags"};
    auto head = yaml::parse_keys(text, file, kLight, limits);
    if (head.root && head.root->size() == kLight.size()) tree = std::move(head.root);
  }
  if (!tree) tree = yaml::parse(text, file, limits).root;
  if (!tree || !tree->find("pid")) throw changed_error(file);
  PersonaFile f;
  f.path = file;
  f.root = std::move(tree);
  Persona p = build_persona(f);
  if (light) {
    p.text.clear();
    p.lists.clear();
  }
  return p;
}

/// The whole persona, for its page, read again in the second pass: refused when the file is not
/// what the first pass saw (the cheap hash of the bytes it read, or, for a file it trusted by
/// its stat without reading it, its blob id).
Persona read_full_persona(const fs::path& root, const Item& it, const std::string& file) {
  std::string text = read_file(root / file, yaml::Limits{}.max_file_bytes);
  if (it.trusted ? blob_id(text) != it.hash : std::hash<std::string_view>{}(text) != it.quick)
    throw changed_error(file);
  return parse_persona(file, text, false);
}

/// The input key of a persona's page: as persona_key(), with the hash of the file's bytes for
/// its text and the mentions kept from the parse that made them.
std::string page_key(const RenderContext& ctx, const Persona& p, const Item& it, std::string_view salt) {
  return persona_key_of(ctx, p, salt, "hash", it.hash,
                        std::set<std::string>(it.mentions.begin(), it.mentions.end()));
}

/// A digest of what every page key and list digest is made of besides a persona's own bytes
/// (which fix its outline, tags, card and mentions): the templates, the settings, every persona's
/// outline and paths as other pages show them, and every record. While it is the previous
/// export's, a persona whose bytes did not change keeps that export's keys without making them.
std::string shared_inputs(const RenderContext& ctx, std::string_view salt) {
  const Config& c = ctx.library.config;
  std::string in;
  auto add = [&](std::string_view v) { append_key_part(in, v); };
  for (std::string_view v : {salt, std::string_view(c.name), std::string_view(c.description),
                             std::string_view(c.repository), std::string_view(c.contribute_url),
                             std::string_view(ctx.base_url)})
    add(v);
  add(std::to_string(ctx.library.personas.size()));
  for (const Persona& p : ctx.library.personas) {
    add(p.pid);
    add(p.file);
    add(p.name);
    add(p.app);
    add(p.category);
    add(ctx.paths.persona(p.pid, ""));
    add(ctx.paths.app(p.app));
    add(ctx.paths.category(p.category));
  }
  add(std::to_string(ctx.library.records.size()));
  for (const Record& r : ctx.library.records)
    for (const std::string* v : {&r.file, &r.pid, &r.kind, &r.field, &r.text, &r.value_hash}) add(*v);
  return blob_id(in);
}

/// Hands rendered pages to one thread that writes them. Creating files in one directory is
/// serialized by the kernel (the directory's lock): with every renderer writing its own pages,
/// the others spun on that lock instead of rendering (a quarter of an export's CPU time, perf).
/// put() waits while `max_queued` pages are waiting; the first error of the writing thread is
/// thrown by the next put() and by finish().
class PageWriter {
 public:
  PageWriter(Sink& out, std::size_t max_queued) : out_(out), max_(max_queued), thread_([this] { run(); }) {}
  ~PageWriter() { stop(); }
  PageWriter(const PageWriter&) = delete;
  PageWriter& operator=(const PageWriter&) = delete;

  void put(std::string path, std::string data, std::string key) {
    std::unique_lock<std::mutex> lock(mutex_);
    room_.wait(lock, [&] { return queue_.size() < max_ || error_; });
    if (error_) std::rethrow_exception(error_);
    queue_.push_back(Page{std::move(path), std::move(data), std::move(key)});
    ready_.notify_one();
  }

  /// Waits until every page is written.
  void finish() {
    stop();
    if (error_) std::rethrow_exception(error_);
  }

 private:
  struct Page {
    std::string path, data, key;
  };

  void run() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      ready_.wait(lock, [&] { return !queue_.empty() || done_; });
      if (queue_.empty()) return;
      Page page = std::move(queue_.front());
      queue_.pop_front();
      room_.notify_one();
      if (error_) continue;  // drain without writing
      lock.unlock();
      try {
        out_.file(page.path, std::move(page.data), page.key);
      } catch (...) {
        lock.lock();
        error_ = std::current_exception();
        room_.notify_all();
        continue;
      }
      lock.lock();
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  Sink& out_;
  std::size_t max_;
  std::mutex mutex_;
  std::condition_variable ready_, room_;
  std::deque<Page> queue_;
  bool done_ = false;
  std::exception_ptr error_;
  std::thread thread_;  // last: started once everything above is made
};

/// Reads `len` bytes at `off` of `fd` (positioned reads: shards are written on several threads).
void read_at(int fd, std::uint64_t off, std::uint64_t len, std::string& buf, const std::string& what) {
  buf.resize(len);
  std::size_t got = 0;
  while (got < len) {
    ssize_t n = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(off + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw io_error("cannot read " + quote(what, 200));
    got += static_cast<std::size_t>(n);
  }
}

/// The input key of a search shard: its place among how many, and what each of its entries is
/// made from (the persona file's blob id and its search key).
std::string shard_key(std::size_t k, std::size_t shards, const std::vector<std::size_t>& members,
                      const std::vector<Item>& items, const std::vector<Persona>& personas) {
  std::string in = "search shard " + std::to_string(k) + " of " + std::to_string(shards) + "\n";
  in.reserve(members.size() * 128);
  for (std::size_t i : members) {
    put(in, personas[i].pid);
    put(in, items[i].hash);
    put(in, items[i].search_key);
  }
  return blob_id(in);
}

}  // namespace

namespace {

/// What the previous export left for this one.
struct PreviousExport {
  std::vector<std::uint64_t> shard_sizes;
  std::string shared;                           ///< its shared_inputs()
  std::unordered_map<std::string, Item> items;  ///< by file
  /// Where each of its search shards can be read, "" for one that is missing or not the size
  /// the state recorded: the entries it held are made again.
  std::vector<std::string> shards;
};

PreviousExport read_previous_export(const Sink& out) {
  PreviousExport was;
  was.items = decode_state(out.previous_state(), was.shard_sizes, was.shared);
  was.shards.resize(was.shard_sizes.size());
  if (!was.items.empty())
    for (std::size_t k = 0; k < was.shards.size(); ++k) {
      std::string path = out.previous_file(search_shard_path(k));
      std::error_code ec;
      if (!path.empty() && fs::file_size(path, ec) == was.shard_sizes[k] && !ec) was.shards[k] = std::move(path);
    }
  return was;
}

void stream(Library& lean, PreviousExport last, const TemplateSet& templates, const StreamOptions& options,
            Sink& out) {
  const fs::path& root = options.root;
  std::unordered_map<std::string, Item>& previous = last.items;
  const std::string& old_shared = last.shared;
  const std::vector<std::string>& old_shards = last.shards;
  auto check_old_entry = [&](Item& it) {
    if (it.entry == Item::Entry::kOld && old_shards[it.shard].empty()) it.entry = Item::Entry::kNone;
  };

  // Pass 1: every file without problems, for what other pages show of it.
  std::vector<const PersonaFile*> files;
  for (const auto& f : lean.files)
    if (f.ok()) files.push_back(&f);
  std::vector<Item> items(files.size());
  // A file whose stamp is what the state recorded is not read again (nor hashed).
  const std::uint64_t now = options.stamp_clock_ns ? options.stamp_clock_ns : now_ns();
  parallel_for(files.size(), options.jobs, [&](std::size_t i) {
    const std::string& file = files[i]->path;
    fs::path path = root / file;
    auto was = previous.find(file);
    // The lean load's stamp when it took one (the verdict is on the file as it was then).
    if (was != previous.end() && unchanged(path, files[i]->stamp, was->second, now)) {
      items[i] = std::move(was->second);
      items[i].trusted = true;
      check_old_entry(items[i]);
      return;
    }
    Item seen;
    std::string text = read_noting_stamp(path, seen, now);
    std::string hash = blob_id(text);
    std::size_t quick = std::hash<std::string_view>{}(text);
    if (was != previous.end() && hash == was->second.hash) {
      items[i] = std::move(was->second);
      check_old_entry(items[i]);
    } else {
      items[i].light = parse_persona(file, text, true);
      items[i].hash = std::move(hash);
    }
    items[i].quick = quick;
    items[i].stamp = seen.stamp;
  });
  previous.clear();
  files.clear();
  // Only the settings and the records are needed from here on.
  std::vector<PersonaFile>().swap(lean.files);
  std::vector<RecordFile>().swap(lean.record_files);
  std::vector<Diagnostic>().swap(lean.diagnostics);
  {
    // In pid order; an Item is large, so the order is found first and each one moved once.
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return items[a].light.pid < items[b].light.pid; });
    std::vector<Item> sorted;
    sorted.reserve(items.size());
    for (std::size_t i : order) sorted.push_back(std::move(items[i]));
    items.swap(sorted);
  }

  // The library as the pages see it: every persona's outline and every record.
  Library outline;
  outline.root = root;
  outline.config = lean.config;
  outline.records = std::move(lean.records);
  outline.personas.reserve(items.size());
  for (auto& it : items) outline.personas.push_back(std::move(it.light));
  // Community figures for the cards (comment counts) and the keys (record files): only personas
  // with records need any. Pages get theirs from the full persona (confirmations compare values).
  std::set<std::string_view> with_records;
  for (const auto& r : outline.records) with_records.insert(r.pid);
  std::vector<Persona> recorded;
  for (const auto& p : outline.personas)
    if (with_records.count(p.pid)) recorded.push_back(p);
  RenderContext ctx(outline, options.base_url, compute_activity(recorded, outline.records));
  std::unordered_map<std::string, std::vector<Record>> records_by_pid;
  for (const auto& r : outline.records) records_by_pid[r.pid].push_back(r);
  // Every pid's link, made when the first page is rendered: an update renders few or none.
  std::once_flag mentions_made;
  std::map<std::string, MentionLink> mentions;
  auto mention_map = [&]() -> const std::map<std::string, MentionLink>& {
    std::call_once(mentions_made, [&] { mentions = mention_links(ctx, "../"); });
    return mentions;
  };
  std::string salt = "html stream " + templates.fingerprint();
  std::string list_salt = "lists " + templates.fingerprint();
  const std::string shared = shared_inputs(ctx, salt + "\n" + list_salt);
  if (shared != old_shared)
    for (auto& it : items) {
      it.page_key.clear();
      it.list_digest.clear();
    }

  // Pass 2: each persona's page, card and search entry, on every core.
  File spool(std::tmpfile(), &std::fclose);
  if (!spool) throw io_error("cannot create a temporary file for the search index");
  std::uint64_t spool_size = 0;
  std::mutex spool_mutex;
  PageWriter pages_out(out, 32);
  parallel_for(
      items.size(), options.jobs,
      [&](std::size_t i) {
        Item& it = items[i];
        const Persona& light = outline.personas[i];
        std::optional<Persona> full;
        auto parse = [&] {
          if (!full) full = read_full_persona(root, it, light.file);
        };
        bool need_card = !it.known;
        if (!it.known) {
          parse();
          auto mentioned = mentions_of(*full);
          it.mentions.assign(mentioned.begin(), mentioned.end());
          it.known = true;
        }
        std::string path = ctx.paths.persona(light.pid, ".html");
        if (it.page_key.empty()) it.page_key = page_key(ctx, light, it, salt);
        const std::string& key = it.page_key;
        std::optional<std::string> search_text;
        if (!out.reuse(path, key)) {
          parse();
          static const std::vector<Record> kNone;
          auto r = records_by_pid.find(light.pid);
          auto activity = compute_activity({*full}, r == records_by_pid.end() ? kNone : r->second);
          // The page, the card and the search text from one parse of each field.
          PersonaParts parts = site_persona_parts(ctx, templates, *full, activity[light.pid], mention_map());
          pages_out.put(path, std::move(parts.page), key);
          if (need_card) it.card = std::move(parts.card);
          need_card = false;
          search_text = std::move(parts.search_text);
        }
        if (need_card) it.card = card_text(*full);
        std::string search_key = path + "\n" + light.app;
        if (it.entry == Item::Entry::kNone || it.search_key != search_key) {
          parse();
          std::string entry = search_entry(ctx, *full, search_text ? *search_text : search_text_json(*full));
          std::lock_guard<std::mutex> lock(spool_mutex);
          if (std::fwrite(entry.data(), 1, entry.size(), spool.get()) != entry.size())
            throw io_error("cannot write a temporary file for the search index");
          it.entry = Item::Entry::kNew;
          it.off = spool_size;
          it.len = entry.size();
          it.search_key = std::move(search_key);
          spool_size += entry.size();
        }
      });
  pages_out.finish();

  std::vector<std::string> pages;  // for the sitemap
  std::vector<CardText> cards;
  cards.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    pages.push_back(ctx.paths.persona(outline.personas[i].pid, ".html"));
    cards.push_back(std::move(items[i].card));
  }
  std::vector<std::string> digests(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) digests[i] = std::move(items[i].list_digest);
  add_html_lists(ctx, templates, cards, out, pages, list_salt, &digests);
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].card = std::move(cards[i]);
    items[i].list_digest = std::move(digests[i]);
  }
  std::vector<CardText>().swap(cards);

  // The search index: its head, and each shard with its entries in pid order. A shard whose
  // entries all sit in the previous export's file of the same shard, unchanged, is kept as it is
  // (its key says so) without being read; any other is written from the spool and that file.
  out.file(kSearchIndexPath, search_index_script());
  const std::size_t shards = search_shard_count(items.size());
  std::vector<std::vector<std::size_t>> members(shards);
  for (std::size_t i = 0; i < items.size(); ++i)
    members[search_shard_of(outline.personas[i].pid, shards)].push_back(i);
  // An old entry in another shard's file (the number of shards changed) is copied to the spool
  // first: the file it is in may be replaced before the shard it goes to is written.
  std::vector<std::vector<std::size_t>> moving(old_shards.size());
  for (std::size_t k = 0; k < shards; ++k)
    for (std::size_t i : members[k])
      if (items[i].entry == Item::Entry::kOld && items[i].shard != k) moving[items[i].shard].push_back(i);
  std::string buf;
  for (std::size_t j = 0; j < moving.size(); ++j) {
    if (moving[j].empty()) continue;
    Fd old(::open(old_shards[j].c_str(), O_RDONLY | O_CLOEXEC));
    if (old.get() < 0) throw io_error("cannot read " + quote(old_shards[j], 200));
    for (std::size_t i : moving[j]) {
      Item& it = items[i];
      read_at(old.get(), it.off, it.len, buf, old_shards[j]);
      if (std::fwrite(buf.data(), 1, buf.size(), spool.get()) != buf.size())
        throw io_error("cannot write a temporary file for the search index");
      it.entry = Item::Entry::kNew;
      it.off = spool_size;
      spool_size += it.len;
    }
  }
  std::vector<std::vector<std::size_t>>().swap(moving);
  if (std::fflush(spool.get()) != 0) throw io_error("cannot write a temporary file for the search index");
  const std::string head = search_shard_head(), tail = search_shard_tail();
  std::vector<std::uint64_t> shard_sizes(shards);
  parallel_for(shards, options.jobs, [&](std::size_t k) {
    const std::vector<std::size_t>& in = members[k];
    std::string path = search_shard_path(k);
    std::uint64_t size = head.size() + tail.size() + (in.empty() ? 0 : in.size() - 1);
    bool old_only = k < old_shards.size() && !old_shards[k].empty();
    for (std::size_t i : in) {
      size += items[i].len;
      old_only = old_only && items[i].entry == Item::Entry::kOld;
    }
    shard_sizes[k] = size;
    std::string key = shard_key(k, shards, in, items, outline.personas);
    if (old_only && out.reuse(path, key)) return;
    Fd old;
    for (std::size_t i : in)
      if (items[i].entry == Item::Entry::kOld && old.get() < 0) {
        old.reset(::open(old_shards[k].c_str(), O_RDONLY | O_CLOEXEC));
        if (old.get() < 0) throw io_error("cannot read " + quote(old_shards[k], 200));
      }
    out.file_pieces(path, size, key, [&](const Piece& piece) {
      piece(head);
      std::uint64_t at = head.size();
      std::string entry;
      for (std::size_t n = 0; n < in.size(); ++n) {
        Item& it = items[in[n]];
        if (n) {
          piece(",");
          ++at;
        }
        if (it.entry == Item::Entry::kNew)
          read_at(fileno(spool.get()), it.off, it.len, entry, "the search index's temporary file");
        else
          read_at(old.get(), it.off, it.len, entry, old_shards[k]);
        piece(entry);
        // Where the next export finds it.
        it.entry = Item::Entry::kOld;
        it.shard = k;
        it.off = at;
        at += it.len;
      }
      piece(tail);
    });
  });
  add_html_rest(ctx, templates, pages, out);
  out.set_state(encode_state(items, outline.personas, shard_sizes, shared));
}

}  // namespace

void stream_html_site(Library& lean, const TemplateSet& templates, const StreamOptions& options, Sink& out) {
  stream(lean, read_previous_export(out), templates, options, out);
}

void stream_html_site(const std::function<Library()>& load, const TemplateSet& templates,
                      const StreamOptions& options, Sink& out) {
  // Reading the library and reading what the previous export left are independent: at once.
  std::future<PreviousExport> was = std::async(std::launch::async, [&] { return read_previous_export(out); });
  Library lean = load();
  stream(lean, was.get(), templates, options, out);
}

}  // namespace persona::render
