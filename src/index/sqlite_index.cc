// SqliteIndex: one connection guarded by a mutex; statements prepared once and cached.
// Durability: journal_mode=WAL with synchronous=FULL, so a returned commit survives power
// loss (NORMAL could lose the last commits).
#include "index/sqlite_index.h"

// SQLCipher's sqlite3_key() is declared only with SQLITE_HAS_CODEC.
#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <sstream>

#include "index/sqlite_accounts.h"
#include "index/sqlite_persons.h"
#include "index/sqlite_schema.h"

namespace custos::index {
namespace {

Error sqlite_error(sqlite3* db, std::string_view what) {
  const int code = sqlite3_extended_errcode(db);
  ErrorCode ec = ErrorCode::kIoError;
  switch (code & 0xFF) {
    case SQLITE_FULL: ec = ErrorCode::kNoSpace; break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: ec = ErrorCode::kCorruption; break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN: ec = ErrorCode::kPermissionDenied; break;
    case SQLITE_CONSTRAINT: ec = ErrorCode::kConflict; break;
    default: break;
  }
  // Name the file: SQLite's own messages ("disk I/O error") do not.
  const char* file = sqlite3_db_filename(db, "main");
  std::string where = file != nullptr && file[0] != '\0' ? std::string("index ") + file : "index";
  return Error{ec, where + ": " + std::string(what) + ": " + sqlite3_errmsg(db)};
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

struct DbDeleter {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbDeleter>;

std::vector<std::string> split_distinct(const unsigned char* text) {
  std::vector<std::string> out;
  if (text == nullptr) return out;
  std::stringstream ss(reinterpret_cast<const char*>(text));
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A bound statement in use; resets itself when done.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query& bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Query& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  Query& bind(int i, const std::optional<long>& v) {
    if (v) sqlite3_bind_int64(stmt_, i, *v);
    else sqlite3_bind_null(stmt_, i);
    return *this;
  }
  // true: a row is ready; false: done.
  Result<bool> step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return fail(sqlite_error(db_, "query failed"));
  }
  [[nodiscard]] std::string text(int col) const {
    const auto* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t),
                           static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  [[nodiscard]] std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_, col); }
  [[nodiscard]] std::optional<long> opt_long(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return static_cast<long>(sqlite3_column_int64(stmt_, col));
  }
  [[nodiscard]] const unsigned char* raw_text(int col) const {
    return sqlite3_column_text(stmt_, col);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

constexpr const char* kStudySelect = R"sql(
SELECT s.study_uid, s.study_date, s.study_time, s.accession_number, s.description,
       s.referring_physician, s.study_id, s.institution, p.id, p.patient_id, p.name, p.birth_date, p.sex,
       (SELECT COUNT(*) FROM series se WHERE se.study_ref = s.id),
       (SELECT COUNT(DISTINCT i.sop_uid) FROM instances i JOIN series se ON i.series_ref = se.id
         WHERE se.study_ref = s.id),
       (SELECT COALESCE(SUM(i.size), 0) FROM instances i JOIN series se ON i.series_ref = se.id
         WHERE se.study_ref = s.id),
       (SELECT GROUP_CONCAT(DISTINCT se.modality) FROM series se WHERE se.study_ref = s.id),
       (SELECT GROUP_CONCAT(DISTINCT se.body_part) FROM series se WHERE se.study_ref = s.id),
       s.trashed_at, s.trashed_by, s.timezone_offset,
       (SELECT pm.person FROM person_members pm WHERE pm.patient_ref = p.id)
FROM studies s JOIN patients p ON s.patient_ref = p.id
)sql";

StudyRow read_study(const Query& q) {
  StudyRow r;
  r.study_uid = q.text(0);
  r.study_date = q.text(1);
  r.study_time = q.text(2);
  r.accession_number = q.text(3);
  r.study_description = q.text(4);
  r.referring_physician_name = q.text(5);
  r.study_id = q.text(6);
  r.institution_name = q.text(7);
  r.patient_ref = q.int64(8);
  r.patient_id = q.text(9);
  r.patient_name = q.text(10);
  r.patient_birth_date = q.text(11);
  r.patient_sex = q.text(12);
  r.series_count = static_cast<long>(q.int64(13));
  r.instance_count = static_cast<long>(q.int64(14));
  r.bytes = static_cast<std::uint64_t>(q.int64(15));
  r.modalities = split_distinct(q.raw_text(16));
  r.body_parts = split_distinct(q.raw_text(17));
  r.trashed_at = q.text(18);
  r.timezone_offset = q.text(20);
  r.trashed_by = q.text(19);
  r.person = q.text(21);
  return r;
}

// Studies in the trash are left out of every listing and lookup by UID (not of lookups by
// content hash, which deduplication and verification need).
constexpr const char* kVisible = "s.trashed_at IS NULL";
constexpr const char* kVisibleSt = "st.trashed_at IS NULL";

constexpr const char* kSeriesSelect = R"sql(
SELECT st.study_uid, se.series_uid, se.series_number, se.description, se.modality,
       se.series_date, se.body_part,
       (SELECT COUNT(DISTINCT i.sop_uid) FROM instances i WHERE i.series_ref = se.id)
FROM series se JOIN studies st ON se.study_ref = st.id
)sql";

SeriesRow read_series(const Query& q) {
  SeriesRow r;
  r.study_uid = q.text(0);
  r.series_uid = q.text(1);
  r.series_number = q.opt_long(2);
  r.series_description = q.text(3);
  r.modality = q.text(4);
  r.series_date = q.text(5);
  r.body_part_examined = q.text(6);
  r.instance_count = static_cast<long>(q.int64(7));
  return r;
}

constexpr const char* kInstanceSelect = R"sql(
SELECT st.study_uid, se.series_uid, i.sop_uid, i.sop_class_uid, i.transfer_syntax_uid,
       i.instance_number, i.number_of_frames, i.rows, i.columns, i.sha256, i.size,
       i.received_at, i.source, i.flags, i.bits_allocated
FROM instances i JOIN series se ON i.series_ref = se.id JOIN studies st ON se.study_ref = st.id
)sql";

InstanceRow read_instance(const Query& q) {
  InstanceRow r;
  r.study_uid = q.text(0);
  r.series_uid = q.text(1);
  r.sop_uid = q.text(2);
  r.sop_class_uid = q.text(3);
  r.transfer_syntax_uid = q.text(4);
  r.instance_number = q.opt_long(5);
  r.number_of_frames = q.opt_long(6);
  r.rows = q.opt_long(7);
  r.columns = q.opt_long(8);
  r.sha256 = q.text(9);
  r.size = static_cast<std::uint64_t>(q.int64(10));
  r.received_at = q.text(11);
  r.source = q.text(12);
  r.flags = q.text(13);
  r.bits_allocated = q.opt_long(14);
  return r;
}

}  // namespace

struct SqliteIndex::Impl : public WriteTxn {
  DbPtr db;
  std::mutex mutex;
  std::map<std::string, StmtPtr, std::less<>> statements;

  Result<Query> prepare(const std::string& sql) {
    auto it = statements.find(sql);
    if (it == statements.end()) {
      sqlite3_stmt* raw = nullptr;
      if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
        return fail(sqlite_error(db.get(), "cannot prepare statement"));
      }
      it = statements.emplace(sql, StmtPtr(raw)).first;
    }
    return Query(db.get(), it->second.get());
  }

  Status exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db.get(), sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return fail(sqlite_error(db.get(), msg));
    }
    return {};
  }

  template <class Row, class Reader>
  Result<std::vector<Row>> rows(const std::string& sql, Reader reader,
                                const std::vector<std::string>& args = {}) {
    auto q = prepare(sql);
    if (!q) return fail(q.error());
    for (std::size_t i = 0; i < args.size(); ++i) q->bind(static_cast<int>(i + 1), args[i]);
    std::vector<Row> out;
    for (;;) {
      auto more = q->step();
      if (!more) return fail(more.error());
      if (!*more) break;
      out.push_back(reader(*q));
    }
    return out;
  }

  template <class Row>
  static Result<std::optional<Row>> first(Result<std::vector<Row>> all) {
    if (!all) return fail(all.error());
    if (all->empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(all->front()));
  }

  // ReadTxn
  Result<std::vector<StudyRow>> studies() override {
    return rows<StudyRow>(std::string(kStudySelect) + " WHERE " + kVisible +
                              " ORDER BY s.study_date, s.study_time, s.study_uid",
                          read_study);
  }
  Result<std::optional<StudyRow>> study(const std::string& uid) override {
    return first(rows<StudyRow>(
        std::string(kStudySelect) + " WHERE s.study_uid = ?1 AND " + kVisible, read_study, {uid}));
  }
  Result<std::vector<StudyRow>> studies_of_patient(const std::string& patient_id) override {
    return rows<StudyRow>(std::string(kStudySelect) +
                              " WHERE p.patient_id = ?1 AND " + kVisible +
                              " ORDER BY s.study_date, s.study_uid",
                          read_study, {patient_id});
  }
  Result<std::vector<PatientRow>> patients() override {
    return rows<PatientRow>(
        "SELECT p.id, p.patient_id, p.name, p.birth_date, p.sex, "
        "(SELECT COUNT(*) FROM studies s WHERE s.patient_ref = p.id AND s.trashed_at IS NULL), "
        "(SELECT pm.person FROM person_members pm WHERE pm.patient_ref = p.id) "
        "FROM patients p ORDER BY p.name, p.patient_id",
        [](const Query& q) {
          PatientRow r;
          r.id = q.int64(0);
          r.patient_id = q.text(1);
          r.patient_name = q.text(2);
          r.birth_date = q.text(3);
          r.sex = q.text(4);
          r.studies = static_cast<long>(q.int64(5));
          r.person = q.text(6);
          return r;
        });
  }
  Result<std::vector<SeriesRow>> series_of(const std::string& study_uid) override {
    return rows<SeriesRow>(std::string(kSeriesSelect) +
                               " WHERE st.study_uid = ?1 AND " + kVisibleSt +
                               " ORDER BY se.series_number, se.series_uid",
                           read_series, {study_uid});
  }
  Result<std::optional<SeriesRow>> series(const std::string& series_uid) override {
    return first(rows<SeriesRow>(
        std::string(kSeriesSelect) + " WHERE se.series_uid = ?1 AND " + kVisibleSt, read_series,
        {series_uid}));
  }
  Result<std::vector<InstanceRow>> instances_of(const std::string& series_uid) override {
    return rows<InstanceRow>(
        std::string(kInstanceSelect) +
            " WHERE se.series_uid = ?1 AND " + kVisibleSt +
            " ORDER BY i.instance_number, i.sop_uid, i.id",
        read_instance, {series_uid});
  }
  Result<std::vector<InstanceRow>> instances_in(const std::string& study_uid,
                                                const std::string& series_uid) override {
    return rows<InstanceRow>(
        std::string(kInstanceSelect) +
            " WHERE st.study_uid = ?1 AND se.series_uid = ?2 AND " + kVisibleSt +
            " ORDER BY i.instance_number, i.sop_uid, i.id",
        read_instance, {study_uid, series_uid});
  }
  Result<std::vector<InstanceRow>> instances_by_sop(const std::string& sop_uid) override {
    return rows<InstanceRow>(
        std::string(kInstanceSelect) + " WHERE i.sop_uid = ?1 AND " + kVisibleSt + " ORDER BY i.id",
        read_instance, {sop_uid});
  }
  Result<std::vector<StudyRow>> trashed_studies() override {
    return rows<StudyRow>(std::string(kStudySelect) +
                              " WHERE s.trashed_at IS NOT NULL ORDER BY s.trashed_at, s.study_uid",
                          read_study);
  }
  // Deduplication and verification see every instance, trashed or not.
  Result<std::optional<InstanceRow>> instance_by_sha256(const std::string& sha) override {
    return first(rows<InstanceRow>(std::string(kInstanceSelect) + " WHERE i.sha256 = ?1",
                                   read_instance, {sha}));
  }
  Status for_each_instance(const std::function<Status(const InstanceRow&)>& fn) override {
    auto q = prepare(std::string(kInstanceSelect) + " ORDER BY i.id");
    if (!q) return fail(q.error());
    for (;;) {
      auto more = q->step();
      if (!more) return fail(more.error());
      if (!*more) return {};
      if (auto s = fn(read_instance(*q)); !s) return s;
    }
  }
  Result<long> instance_count() override {
    auto q = prepare("SELECT COUNT(*) FROM instances");
    if (!q) return fail(q.error());
    auto more = q->step();
    if (!more) return fail(more.error());
    return static_cast<long>(q->int64(0));
  }

  Result<std::optional<std::string>> meta(const std::string& key) override {
    auto q = prepare("SELECT value FROM meta WHERE key = ?1");
    if (!q) return fail(q.error());
    q->bind(1, key);
    auto row = q->step();
    if (!row) return fail(row.error());
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(q->text(0));
  }

  Status set_meta(const std::string& key, const std::string& value) override {
    auto q = prepare("INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)");
    if (!q) return fail(q.error());
    q->bind(1, key).bind(2, value);
    auto done = q->step();
    if (!done) return fail(done.error());
    return {};
  }

  Status set_trashed(const std::string& study_uid, const std::string& at,
                     const std::string& by) override {
    auto q = prepare(at.empty()
                         ? "UPDATE studies SET trashed_at = NULL, trashed_by = NULL "
                           "WHERE study_uid = ?1 AND trashed_at IS NOT NULL"
                         : "UPDATE studies SET trashed_at = ?2, trashed_by = ?3 "
                           "WHERE study_uid = ?1 AND trashed_at IS NULL");
    if (!q) return fail(q.error());
    q->bind(1, study_uid);
    if (!at.empty()) q->bind(2, at).bind(3, by);
    auto done = q->step();
    if (!done) return fail(done.error());
    if (sqlite3_changes(db.get()) == 0) {
      return fail(ErrorCode::kNotFound, (at.empty() ? "no study in the trash with UID "
                                                    : "no study (outside the trash) with UID ") +
                                            study_uid.substr(0, 64));
    }
    return {};
  }

  // Accounts and tokens: index/sqlite_accounts.cc.
  Result<std::optional<UserRow>> user(const std::string& name) override {
    return sqlite_accounts::user(db.get(), name);
  }
  Result<std::vector<UserRow>> users() override { return sqlite_accounts::users(db.get()); }
  Result<std::optional<TokenRow>> token(const std::string& name) override {
    return sqlite_accounts::token(db.get(), name);
  }
  Result<std::optional<TokenRow>> token_by_hash(const std::string& hex) override {
    return sqlite_accounts::token_by_hash(db.get(), hex);
  }
  Result<std::vector<TokenRow>> tokens() override { return sqlite_accounts::tokens(db.get()); }
  Status add_user(const UserRow& r) override { return sqlite_accounts::add_user(db.get(), r); }
  Status update_user(const UserRow& r) override {
    return sqlite_accounts::update_user(db.get(), r);
  }
  Status remove_user(const std::string& name) override {
    return sqlite_accounts::remove_user(db.get(), name);
  }
  Status add_token(const TokenRow& r) override { return sqlite_accounts::add_token(db.get(), r); }
  Status update_token(const TokenRow& r) override {
    return sqlite_accounts::update_token(db.get(), r);
  }

  // Person links: index/sqlite_persons.cc.
  Result<std::vector<PersonRow>> persons() override { return sqlite_persons::persons(db.get()); }
  Result<std::vector<PersonDismissal>> person_dismissals() override {
    return sqlite_persons::dismissals(db.get());
  }
  Result<std::string> link_patients(std::span<const std::int64_t> refs, const std::string& by,
                                    const std::string& at) override {
    return sqlite_persons::link(db.get(), refs, by, at);
  }
  Status unlink_person(const std::string& id, std::optional<std::int64_t> ref) override {
    return sqlite_persons::unlink(db.get(), id, ref);
  }
  Status dismiss_patients(std::span<const std::int64_t> refs, const std::string& by,
                          const std::string& at) override {
    return sqlite_persons::dismiss(db.get(), refs, by, at);
  }

  // Returns the id of the row found or inserted by the two statements.
  Result<std::int64_t> find_or_insert(const std::string& find_sql, const std::string& key,
                                      const std::function<Result<Query>()>& insert,
                                      std::optional<std::int64_t> parent = std::nullopt) {
    {
      auto q = prepare(find_sql);
      if (!q) return fail(q.error());
      q->bind(1, key);
      if (parent) q->bind(2, *parent);
      auto row = q->step();
      if (!row) return fail(row.error());
      if (*row) return q->int64(0);
    }
    auto ins = insert();
    if (!ins) return fail(ins.error());
    auto done = ins->step();
    if (!done) return fail(done.error());
    return sqlite3_last_insert_rowid(db.get());
  }

  Result<AddOutcome> add_instance(const InstanceRecord& r) override {
    // Same bytes already stored: a duplicate, whatever the path it came from.
    {
      auto q = prepare("SELECT sop_uid FROM instances WHERE sha256 = ?1");
      if (!q) return fail(q.error());
      q->bind(1, r.sha256);
      auto row = q->step();
      if (!row) return fail(row.error());
      if (*row) return AddOutcome::kDuplicate;
    }
    bool conflict = false;
    {
      auto q = prepare("SELECT 1 FROM instances WHERE sop_uid = ?1 LIMIT 1");
      if (!q) return fail(q.error());
      q->bind(1, r.sop_uid);
      auto row = q->step();
      if (!row) return fail(row.error());
      conflict = *row;
    }
    std::int64_t patient = 0;
    {
      auto q = prepare("SELECT id FROM patients WHERE patient_id = ?1 AND name = ?2 AND "
                       "birth_date = ?3");
      if (!q) return fail(q.error());
      q->bind(1, r.patient_id).bind(2, r.patient_name).bind(3, r.patient_birth_date);
      auto row = q->step();
      if (!row) return fail(row.error());
      if (*row) {
        patient = q->int64(0);
      } else {
        auto ins = prepare("INSERT INTO patients(patient_id, name, birth_date, sex) "
                           "VALUES (?1, ?2, ?3, ?4)");
        if (!ins) return fail(ins.error());
        ins->bind(1, r.patient_id).bind(2, r.patient_name).bind(3, r.patient_birth_date)
            .bind(4, r.patient_sex);
        if (auto d = ins->step(); !d) return fail(d.error());
        patient = sqlite3_last_insert_rowid(db.get());
      }
    }
    auto study = find_or_insert("SELECT id FROM studies WHERE study_uid = ?1", r.study_uid,
                                [&]() -> Result<Query> {
      auto q = prepare("INSERT INTO studies(study_uid, patient_ref, study_date, study_time, "
                       "accession_number, description, referring_physician, study_id, institution, "
                       "timezone_offset) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
      if (!q) return q;
      q->bind(1, r.study_uid).bind(2, patient).bind(3, r.study_date).bind(4, r.study_time)
          .bind(5, r.accession_number).bind(6, r.study_description)
          .bind(7, r.referring_physician_name).bind(8, r.study_id).bind(9, r.institution_name)
          .bind(10, r.timezone_offset);
      return q;
    });
    if (!study) return fail(study.error());
    auto series = find_or_insert("SELECT id FROM series WHERE series_uid = ?1 AND study_ref = ?2",
                                 r.series_uid, [&]() -> Result<Query> {
      auto q = prepare("INSERT INTO series(series_uid, study_ref, series_number, description, "
                       "modality, series_date, body_part) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
      if (!q) return q;
      q->bind(1, r.series_uid).bind(2, *study).bind(3, r.series_number)
          .bind(4, r.series_description).bind(5, r.modality).bind(6, r.series_date)
          .bind(7, r.body_part_examined);
      return q;
    }, *study);
    if (!series) return fail(series.error());
    auto ins = prepare(
        "INSERT INTO instances(series_ref, sop_uid, sha256, sop_class_uid, transfer_syntax_uid, "
        "instance_number, number_of_frames, rows, columns, size, received_at, source, flags, "
        "bits_allocated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    if (!ins) return fail(ins.error());
    ins->bind(1, *series).bind(2, r.sop_uid).bind(3, r.sha256).bind(4, r.sop_class_uid)
        .bind(5, r.transfer_syntax_uid).bind(6, r.instance_number).bind(7, r.number_of_frames)
        .bind(8, r.rows).bind(9, r.columns).bind(10, static_cast<std::int64_t>(r.size))
        .bind(11, r.received_at).bind(12, r.source).bind(13, r.flags)
        .bind(14, r.bits_allocated);
    if (auto d = ins->step(); !d) return fail(d.error());
    return conflict ? AddOutcome::kConflict : AddOutcome::kAdded;
  }

  Status migrate() {
    auto q = prepare("PRAGMA user_version");
    if (!q) return fail(q.error());
    std::int64_t version = 0;
    {
      auto row = q->step();
      if (!row) return fail(row.error());
      version = q->int64(0);
    }
    const auto migrations = sqlite_migrations();
    if (version > static_cast<std::int64_t>(migrations.size())) {
      return fail(ErrorCode::kUnsupported,
                  "index was written by a newer custos (schema " + std::to_string(version) + ")");
    }
    for (auto v = static_cast<std::size_t>(version); v < migrations.size(); ++v) {
      std::string sql = "BEGIN IMMEDIATE;" + std::string(migrations[v]) +
                        "PRAGMA user_version = " + std::to_string(v + 1) + "; COMMIT;";
      if (auto s = exec(sql.c_str()); !s) {
        (void)exec("ROLLBACK");
        return s;
      }
    }
    return {};
  }
};

SqliteIndex::SqliteIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteIndex::~SqliteIndex() = default;

Result<std::unique_ptr<SqliteIndex>> SqliteIndex::open(const SqliteIndexOptions& options) {
  auto impl = std::make_unique<Impl>();
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (options.create_if_missing) flags |= SQLITE_OPEN_CREATE;
  const int rc = sqlite3_open_v2(options.path.c_str(), &raw, flags,
                                 options.vfs.empty() ? nullptr : options.vfs.c_str());
  impl->db.reset(raw);
  if (rc != SQLITE_OK) {
    if (raw == nullptr) return fail(ErrorCode::kInternal, "index: out of memory");
    return fail(sqlite_error(raw, "cannot open " + options.path.string()));
  }
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 10000);
  if (options.key) {
    // Every page, of the database and of its WAL, is encrypted and authenticated (HMAC).
    if (sqlite3_key(raw, options.key->data(), static_cast<int>(options.key->size())) !=
        SQLITE_OK) {
      return fail(sqlite_error(raw, "cannot set the index key"));
    }
  }
  // The first read proves the key: a wrong key (or a damaged file) fails here.
  if (auto s = impl->exec("SELECT count(*) FROM sqlite_master"); !s) {
    return fail(ErrorCode::kCorruption,
                "index " + options.path.string() + " cannot be read (damaged, or wrong key)");
  }
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON",
        "PRAGMA secure_delete=ON", "PRAGMA temp_store=MEMORY",
        // 8 MiB of pages (default 2 MiB): listing every study visits each instance row, and
        // with an encrypted index each page read from the file is decrypted and checked
        // again. With the index of a few thousand studies' instances held in memory, a
        // QIDO-RS of all studies took half the time (ADR 0011).
        "PRAGMA cache_size=-8192"}) {
    if (auto s = impl->exec(pragma); !s) return fail(s.error());
  }
  if (auto s = impl->migrate(); !s) return fail(s.error());
  return std::unique_ptr<SqliteIndex>(new SqliteIndex(std::move(impl)));
}

Status SqliteIndex::read(const std::function<Status(ReadTxn&)>& fn) {
  const std::lock_guard lock(impl_->mutex);
  if (auto s = impl_->exec("BEGIN"); !s) return s;
  Status result = fn(*impl_);
  (void)impl_->exec("COMMIT");
  return result;
}

Status SqliteIndex::write(const std::function<Status(WriteTxn&)>& fn) {
  const std::lock_guard lock(impl_->mutex);
  if (auto s = impl_->exec("BEGIN IMMEDIATE"); !s) return s;
  Status result = fn(*impl_);
  if (!result) {
    (void)impl_->exec("ROLLBACK");
    return result;
  }
  if (auto s = impl_->exec("COMMIT"); !s) {
    (void)impl_->exec("ROLLBACK");
    return s;
  }
  return {};
}

}  // namespace custos::index
