#include "render/stream.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
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

#include "core/error.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "core/posix.h"
#include "core/text.h"
#include "render/html.h"
#include "render/links.h"
#include "render/stream_state.h"

namespace persona::render {
namespace fs = std::filesystem;
using namespace streaming;

namespace {

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
std::string page_key(const RenderContext& ctx, const Persona& p, const Item& it,
                     std::string_view salt) {
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
    for (const std::string* v : {&r.file, &r.pid, &r.kind, &r.field, &r.text, &r.value_hash})
      add(*v);
  return blob_id(in);
}

/// Hands rendered pages to one thread that writes them. Creating files in one directory is
/// serialized by the kernel (the directory's lock): with every renderer writing its own pages,
/// the others spun on that lock instead of rendering (a quarter of an export's CPU time, perf).
/// put() waits while `max_queued` pages are waiting; the first error of the writing thread is
/// thrown by the next put() and by finish().
class PageWriter {
 public:
  PageWriter(Sink& out, std::size_t max_queued)
      : out_(out), max_(max_queued), thread_([this] { run(); }) {}
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
void read_at(int fd, std::uint64_t off, std::uint64_t len, std::string& buf,
             const std::string& what) {
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
      if (!path.empty() && fs::file_size(path, ec) == was.shard_sizes[k] && !ec)
        was.shards[k] = std::move(path);
    }
  return was;
}

/// One streamed export of the site, stage by stage: read every persona (from the previous
/// export's state when its file is unchanged), the outline every page sees, the persona pages
/// (on every core), the lists, the search index, the state for the next export.
class SiteStream {
 public:
  SiteStream(Library& lean, PreviousExport last, const TemplateSet& templates,
             const StreamOptions& options, Sink& out)
      : lean_(lean),
        last_(std::move(last)),
        templates_(templates),
        options_(options),
        out_(out),
        spool_(std::tmpfile(), &std::fclose) {}

  void run() {
    read_items();
    make_outline();
    render_pages();
    std::vector<std::string> pages = write_lists();
    write_search_index();
    add_html_rest(*ctx_, templates_, pages, out_);
    out_.set_state(encode_state(items_, outline_.personas, shard_sizes_, shared_));
  }

 private:
  void check_old_entry(Item& it) const {
    if (it.entry == Item::Entry::kOld && last_.shards[it.shard].empty())
      it.entry = Item::Entry::kNone;
  }

  /// Pass 1: every file without problems, for what other pages show of it, in pid order.
  void read_items() {
    const fs::path& root = options_.root;
    std::unordered_map<std::string, Item>& previous = last_.items;
    std::vector<const PersonaFile*> files;
    for (const auto& f : lean_.files)
      if (f.ok()) files.push_back(&f);
    std::vector<Item> items(files.size());
    // A file whose stamp is what the state recorded is not read again (nor hashed).
    const std::uint64_t now = options_.stamp_clock_ns ? options_.stamp_clock_ns : now_ns();
    parallel_for(files.size(), options_.jobs, [&](std::size_t i) {
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
    std::vector<PersonaFile>().swap(lean_.files);
    std::vector<RecordFile>().swap(lean_.record_files);
    std::vector<Diagnostic>().swap(lean_.diagnostics);
    // In pid order; an Item is large, so the order is found first and each one moved once.
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return items[a].light.pid < items[b].light.pid;
    });
    items_.reserve(items.size());
    for (std::size_t i : order) items_.push_back(std::move(items[i]));
  }

  /// The library as the pages see it: every persona's outline and every record; the keys'
  /// shared inputs.
  void make_outline() {
    outline_.root = options_.root;
    outline_.config = lean_.config;
    outline_.records = std::move(lean_.records);
    outline_.personas.reserve(items_.size());
    for (auto& it : items_) outline_.personas.push_back(std::move(it.light));
    // Community figures for the cards (comment counts) and the keys (record files): only
    // personas with records need any. Pages get theirs from the full persona (confirmations
    // compare values).
    std::set<std::string_view> with_records;
    for (const auto& r : outline_.records) with_records.insert(r.pid);
    std::vector<Persona> recorded;
    for (const auto& p : outline_.personas)
      if (with_records.count(p.pid)) recorded.push_back(p);
    ctx_.emplace(outline_, options_.base_url, compute_activity(recorded, outline_.records));
    for (const auto& r : outline_.records) records_by_pid_[r.pid].push_back(r);
    salt_ = "html stream " + templates_.fingerprint();
    list_salt_ = "lists " + templates_.fingerprint();
    shared_ = shared_inputs(*ctx_, salt_ + "\n" + list_salt_);
    if (shared_ != last_.shared)
      for (auto& it : items_) {
        it.page_key.clear();
        it.list_digest.clear();
      }
  }

  /// Every pid's link, made when the first page is rendered: an update renders few or none.
  const std::map<std::string, MentionLink>& mention_map() {
    std::call_once(mentions_made_, [&] { mentions_ = mention_links(*ctx_, "../"); });
    return mentions_;
  }

  /// Pass 2: each persona's page, card and search entry (spooled), on every core.
  void render_pages() {
    if (!spool_) throw io_error("cannot create a temporary file for the search index");
    PageWriter pages_out(out_, 32);
    parallel_for(items_.size(), options_.jobs,
                 [&](std::size_t i) { render_one(items_[i], i, pages_out); });
    pages_out.finish();
  }

  void render_one(Item& it, std::size_t i, PageWriter& pages_out) {
    const RenderContext& ctx = *ctx_;
    const Persona& light = outline_.personas[i];
    std::optional<Persona> full;
    auto parse = [&] {
      if (!full) full = read_full_persona(options_.root, it, light.file);
    };
    bool need_card = !it.known;
    if (!it.known) {
      parse();
      auto mentioned = mentions_of(*full);
      it.mentions.assign(mentioned.begin(), mentioned.end());
      it.known = true;
    }
    std::string path = ctx.paths.persona(light.pid, ".html");
    if (it.page_key.empty()) it.page_key = page_key(ctx, light, it, salt_);
    const std::string& key = it.page_key;
    std::optional<std::string> search_text;
    if (!out_.reuse(path, key)) {
      parse();
      static const std::vector<Record> kNone;
      auto r = records_by_pid_.find(light.pid);
      auto activity = compute_activity({*full}, r == records_by_pid_.end() ? kNone : r->second);
      // The page, the card and the search text from one parse of each field.
      PersonaParts parts =
          site_persona_parts(ctx, templates_, *full, activity[light.pid], mention_map());
      pages_out.put(path, std::move(parts.page), key);
      if (need_card) it.card = std::move(parts.card);
      need_card = false;
      search_text = std::move(parts.search_text);
    }
    if (need_card) it.card = card_text(*full);
    std::string search_key = path + "\n" + light.app;
    if (it.entry == Item::Entry::kNone || it.search_key != search_key) {
      parse();
      std::string entry =
          search_entry(ctx, *full, search_text ? *search_text : search_text_json(*full));
      std::lock_guard<std::mutex> lock(spool_mutex_);
      spool(entry);
      it.entry = Item::Entry::kNew;
      it.off = spool_size_ - entry.size();
      it.len = entry.size();
      it.search_key = std::move(search_key);
    }
  }

  /// Appends to the spool of new search entries (the caller holds the lock, or is alone).
  void spool(std::string_view data) {
    if (std::fwrite(data.data(), 1, data.size(), spool_.get()) != data.size())
      throw io_error("cannot write a temporary file for the search index");
    spool_size_ += data.size();
  }

  /// The index, app and category pages; returns every page's path, for the sitemap.
  std::vector<std::string> write_lists() {
    std::vector<std::string> pages;
    std::vector<CardText> cards;
    cards.reserve(items_.size());
    for (std::size_t i = 0; i < items_.size(); ++i) {
      pages.push_back(ctx_->paths.persona(outline_.personas[i].pid, ".html"));
      cards.push_back(std::move(items_[i].card));
    }
    std::vector<std::string> digests(items_.size());
    for (std::size_t i = 0; i < items_.size(); ++i) digests[i] = std::move(items_[i].list_digest);
    add_html_lists(*ctx_, templates_, cards, out_, pages, list_salt_, &digests);
    for (std::size_t i = 0; i < items_.size(); ++i) {
      items_[i].card = std::move(cards[i]);
      items_[i].list_digest = std::move(digests[i]);
    }
    return pages;
  }

  /// The search index: its head, and each shard with its entries in pid order. A shard whose
  /// entries all sit in the previous export's file of the same shard, unchanged, is kept as it
  /// is (its key says so) without being read; any other is written from the spool and that file.
  void write_search_index() {
    out_.file(kSearchIndexPath, search_index_script());
    const std::size_t shards = search_shard_count(items_.size());
    std::vector<std::vector<std::size_t>> members(shards);
    for (std::size_t i = 0; i < items_.size(); ++i)
      members[search_shard_of(outline_.personas[i].pid, shards)].push_back(i);
    spool_moving_entries(members);
    if (std::fflush(spool_.get()) != 0)
      throw io_error("cannot write a temporary file for the search index");
    shard_sizes_.assign(shards, 0);
    parallel_for(shards, options_.jobs, [&](std::size_t k) { write_shard(k, shards, members[k]); });
  }

  /// An old entry in another shard's file (the number of shards changed) is copied to the spool
  /// first: the file it is in may be replaced before the shard it goes to is written.
  void spool_moving_entries(const std::vector<std::vector<std::size_t>>& members) {
    const std::vector<std::string>& old_shards = last_.shards;
    std::vector<std::vector<std::size_t>> moving(old_shards.size());
    for (std::size_t k = 0; k < members.size(); ++k)
      for (std::size_t i : members[k])
        if (items_[i].entry == Item::Entry::kOld && items_[i].shard != k)
          moving[items_[i].shard].push_back(i);
    std::string buf;
    for (std::size_t j = 0; j < moving.size(); ++j) {
      if (moving[j].empty()) continue;
      Fd old(::open(old_shards[j].c_str(), O_RDONLY | O_CLOEXEC));
      if (old.get() < 0) throw io_error("cannot read " + quote(old_shards[j], 200));
      for (std::size_t i : moving[j]) {
        Item& it = items_[i];
        read_at(old.get(), it.off, it.len, buf, old_shards[j]);
        spool(buf);
        it.entry = Item::Entry::kNew;
        it.off = spool_size_ - it.len;
      }
    }
  }

  void write_shard(std::size_t k, std::size_t shards, const std::vector<std::size_t>& in) {
    const std::vector<std::string>& old_shards = last_.shards;
    static const std::string head = search_shard_head(), tail = search_shard_tail();
    std::string path = search_shard_path(k);
    std::uint64_t size = head.size() + tail.size() + (in.empty() ? 0 : in.size() - 1);
    bool old_only = k < old_shards.size() && !old_shards[k].empty();
    for (std::size_t i : in) {
      size += items_[i].len;
      old_only = old_only && items_[i].entry == Item::Entry::kOld;
    }
    shard_sizes_[k] = size;
    std::string key = shard_key(k, shards, in, items_, outline_.personas);
    if (old_only && out_.reuse(path, key)) return;
    Fd old;
    for (std::size_t i : in)
      if (items_[i].entry == Item::Entry::kOld && old.get() < 0) {
        old.reset(::open(old_shards[k].c_str(), O_RDONLY | O_CLOEXEC));
        if (old.get() < 0) throw io_error("cannot read " + quote(old_shards[k], 200));
      }
    out_.file_pieces(path, size, key, [&](const Piece& piece) {
      piece(head);
      std::uint64_t at = head.size();
      std::string entry;
      for (std::size_t n = 0; n < in.size(); ++n) {
        Item& it = items_[in[n]];
        if (n) {
          piece(",");
          ++at;
        }
        if (it.entry == Item::Entry::kNew)
          read_at(fileno(spool_.get()), it.off, it.len, entry, "the search index's temporary file");
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
  }

  Library& lean_;
  PreviousExport last_;
  const TemplateSet& templates_;
  const StreamOptions& options_;
  Sink& out_;
  std::vector<Item> items_;
  Library outline_;
  std::optional<RenderContext> ctx_;
  std::unordered_map<std::string, std::vector<Record>> records_by_pid_;
  std::string salt_, list_salt_, shared_;
  std::once_flag mentions_made_;
  std::map<std::string, MentionLink> mentions_;
  File spool_;
  std::uint64_t spool_size_ = 0;
  std::mutex spool_mutex_;
  std::vector<std::uint64_t> shard_sizes_;
};

}  // namespace

void stream_html_site(Library& lean, const TemplateSet& templates, const StreamOptions& options,
                      Sink& out) {
  SiteStream(lean, read_previous_export(out), templates, options, out).run();
}

void stream_html_site(const std::function<Library()>& load, const TemplateSet& templates,
                      const StreamOptions& options, Sink& out) {
  // Reading the library and reading what the previous export left are independent: at once.
  std::future<PreviousExport> was =
      std::async(std::launch::async, [&] { return read_previous_export(out); });
  Library lean = load();
  SiteStream(lean, was.get(), templates, options, out).run();
}

}  // namespace persona::render
