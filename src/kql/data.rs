//! Tables as the evaluator keeps them: typed columns, strings interned into one arena per
//! column (a dictionary and a `u32` code per row).
//!
//! A million-row DeviceProcessEvents takes a code per row per string column plus each distinct
//! string once; filters give new code vectors over the same dictionary, so `has` and `==` on a
//! string column are decided once per distinct string, and grouping by one is counting codes.
//! Columns are shared (`Arc`) between the tables of a query: `project`, `extend` and
//! `project-rename` copy no data.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use serde_json::{Map, Value as Json};

use super::types::Type;
use super::value::Value;

/// Distinct strings, in one arena; entry 0 is the empty string.
#[derive(Debug, Default)]
pub struct Dict {
    bytes: String,
    /// Entry `i` is `bytes[ends[i - 1]..ends[i]]` (`ends[-1]` = 0).
    ends: Vec<usize>,
    /// The arena lower-cased (ASCII), made the first time a case-insensitive search needs it.
    lower: OnceLock<Box<[u8]>>,
}

impl Dict {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    pub fn get(&self, code: u32) -> &str {
        let (start, end) = self.bounds(code as usize);
        &self.bytes[start..end]
    }

    pub fn bounds(&self, i: usize) -> (usize, usize) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (start, self.ends[i])
    }

    pub fn ends(&self) -> &[usize] {
        &self.ends
    }

    pub fn bytes(&self) -> &[u8] {
        self.bytes.as_bytes()
    }

    /// The arena, ASCII letters lower-cased (same offsets).
    pub fn lower(&self) -> &[u8] {
        self.lower
            .get_or_init(|| self.bytes.as_bytes().to_ascii_lowercase().into_boxed_slice())
    }
}

/// Interns strings into a [`Dict`]: an open-addressing table of codes, probing by a hash of the
/// bytes and comparing with the arena (no second copy of the strings).
#[derive(Debug)]
pub struct Interner {
    dict: Dict,
    slots: Vec<u32>,
}

const EMPTY_SLOT: u32 = u32::MAX;

impl Default for Interner {
    fn default() -> Interner {
        let mut dict = Dict::default();
        dict.ends.push(0);
        Interner {
            dict,
            slots: vec![EMPTY_SLOT; 16],
        }
    }
}

fn hash_bytes(b: &[u8]) -> u64 {
    // FxHash over 8-byte words: fast, and good enough for interning (not exposed to attackers
    // beyond the tenant's own data).
    const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut h: u64 = b.len() as u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    for &x in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(x)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if s.is_empty() {
            return 0;
        }
        let mask = self.slots.len() - 1;
        let mut i = hash_bytes(s.as_bytes()) as usize & mask;
        loop {
            let code = self.slots[i];
            if code == EMPTY_SLOT {
                break;
            }
            if self.dict.get(code) == s {
                return code;
            }
            i = (i + 1) & mask;
        }
        let code = u32::try_from(self.dict.len()).expect("fewer than 4 billion distinct strings");
        self.dict.bytes.push_str(s);
        self.dict.ends.push(self.dict.bytes.len());
        self.slots[i] = code;
        if self.dict.len() * 2 > self.slots.len() {
            self.grow();
        }
        code
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let mask = size - 1;
        let mut slots = vec![EMPTY_SLOT; size];
        for code in 1..self.dict.len() as u32 {
            let mut i = hash_bytes(self.dict.get(code).as_bytes()) as usize & mask;
            while slots[i] != EMPTY_SLOT {
                i = (i + 1) & mask;
            }
            slots[i] = code;
        }
        self.slots = slots;
    }

    pub fn finish(mut self) -> Arc<Dict> {
        self.dict.bytes.shrink_to_fit();
        self.dict.ends.shrink_to_fit();
        Arc::new(self.dict)
    }
}

/// A string column: codes into a shared dictionary.
#[derive(Debug, Clone)]
pub struct Strings {
    pub dict: Arc<Dict>,
    pub codes: Vec<u32>,
}

impl Strings {
    pub fn get(&self, row: usize) -> &str {
        self.dict.get(self.codes[row])
    }

    /// Whether deciding a predicate once per dictionary entry beats deciding it per row: the
    /// dictionary is not much larger than the rows (a column of distinct strings has one entry
    /// more than rows, the empty string; after a selective filter it is far larger).
    pub fn per_entry(&self) -> bool {
        self.dict.len() <= self.codes.len().saturating_mul(2).saturating_add(16)
    }
}

/// A column's values.
#[derive(Debug, Clone)]
pub enum Data {
    Bool(Vec<Option<bool>>),
    /// int, long, datetime and timespan (ticks).
    Long(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    /// string and guid.
    Str(Strings),
    Dyn(Vec<Option<Arc<Json>>>),
    /// This many rows, every one null (the empty string for a string column): a column the
    /// schema has and the data never fills takes no memory per row.
    Nulls(usize),
}

/// A typed column.
#[derive(Debug, Clone)]
pub struct Column {
    pub ty: Type,
    pub data: Data,
}

impl Column {
    pub fn len(&self) -> usize {
        match &self.data {
            Data::Bool(v) => v.len(),
            Data::Long(v) => v.len(),
            Data::Real(v) => v.len(),
            Data::Str(s) => s.codes.len(),
            Data::Dyn(v) => v.len(),
            Data::Nulls(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, row: usize) -> Value {
        match &self.data {
            Data::Bool(v) => v[row].map_or(Value::Null, Value::Bool),
            Data::Long(v) => match v[row] {
                None => Value::Null,
                Some(x) => match self.ty {
                    Type::DateTime => Value::DateTime(x),
                    Type::TimeSpan => Value::TimeSpan(x),
                    _ => Value::Long(x),
                },
            },
            Data::Real(v) => v[row].map_or(Value::Null, Value::Real),
            Data::Str(s) => Value::str(s.get(row)),
            Data::Dyn(v) => v[row].clone().map_or(Value::Null, Value::Dynamic),
            Data::Nulls(_) => match self.ty {
                Type::String | Type::Guid => Value::str(""),
                _ => Value::Null,
            },
        }
    }

    /// The rows at `rows`, in that order (codes copied, the dictionary shared).
    pub fn gather(&self, rows: &[u32]) -> Column {
        fn pick<T: Clone>(v: &[T], rows: &[u32]) -> Vec<T> {
            rows.iter().map(|&r| v[r as usize].clone()).collect()
        }
        let data = match &self.data {
            Data::Bool(v) => Data::Bool(pick(v, rows)),
            Data::Long(v) => Data::Long(pick(v, rows)),
            Data::Real(v) => Data::Real(pick(v, rows)),
            Data::Str(s) => Data::Str(Strings {
                dict: s.dict.clone(),
                codes: pick(&s.codes, rows),
            }),
            Data::Dyn(v) => Data::Dyn(pick(v, rows)),
            Data::Nulls(_) => Data::Nulls(rows.len()),
        };
        Column { ty: self.ty, data }
    }

    /// Like [`Column::gather`], with `None` for a null row (the unmatched side of an outer join).
    pub fn gather_opt(&self, rows: &[Option<u32>]) -> Column {
        if let Data::Nulls(_) = self.data {
            return Column::nulls(self.ty, rows.len());
        }
        if rows.iter().all(Option::is_some) {
            let rows: Vec<u32> = rows.iter().flatten().copied().collect();
            return self.gather(&rows);
        }
        let mut b = ColumnBuilder::new(self.ty, rows.len());
        for r in rows {
            b.push(r.map_or(Value::Null, |r| self.get(r as usize)));
        }
        b.finish()
    }

    pub fn nulls(ty: Type, len: usize) -> Column {
        Column {
            ty: concrete(ty),
            data: Data::Nulls(len),
        }
    }

    /// `len` copies of one value.
    pub fn repeat(ty: Type, value: &Value, len: usize) -> Column {
        let mut b = ColumnBuilder::new(ty, 1);
        b.push(value.clone());
        let one = b.finish();
        one.gather(&vec![0; len])
    }

    pub fn from_values(ty: Type, values: impl IntoIterator<Item = Value>) -> Column {
        let values = values.into_iter();
        let mut b = ColumnBuilder::new(ty, values.size_hint().0);
        for v in values {
            b.push(v);
        }
        b.finish()
    }

    /// The columns one after the other (a union's legs), as type `ty`.
    pub fn concat(ty: Type, parts: &[&Column]) -> Column {
        let total = parts.iter().map(|c| c.len()).sum();
        if let [one] = parts
            && one.ty == ty
        {
            return (*one).clone();
        }
        let mut b = ColumnBuilder::new(ty, total);
        for part in parts {
            for row in 0..part.len() {
                b.push(part.get(row));
            }
        }
        b.finish()
    }
}

enum Storage {
    Bool,
    Long,
    Real,
    Str,
    Dyn,
}

fn storage(ty: Type) -> Storage {
    match ty {
        Type::Bool => Storage::Bool,
        Type::Int | Type::Long | Type::DateTime | Type::TimeSpan => Storage::Long,
        Type::Real | Type::Decimal => Storage::Real,
        Type::String | Type::Guid => Storage::Str,
        Type::Dynamic | Type::Unknown => Storage::Dyn,
    }
}

/// The type a column of `ty` is kept as (`unknown`, a column of nulls only, is `dynamic`...
/// except where a caller knows better).
fn concrete(ty: Type) -> Type {
    match ty {
        Type::Unknown => Type::Dynamic,
        t => t,
    }
}

/// Builds a column of one type from values (converting each to it).
#[derive(Debug)]
pub struct ColumnBuilder {
    ty: Type,
    /// `None` while every value so far was null (then `nulls` counts them).
    data: Option<BuilderData>,
    nulls: usize,
    capacity: usize,
}

#[derive(Debug)]
enum BuilderData {
    Bool(Vec<Option<bool>>),
    Long(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Str(Interner, Vec<u32>),
    Dyn(Vec<Option<Arc<Json>>>),
}

impl ColumnBuilder {
    pub fn new(ty: Type, capacity: usize) -> ColumnBuilder {
        ColumnBuilder {
            ty: concrete(ty),
            data: None,
            nulls: 0,
            capacity,
        }
    }

    /// The values' storage, made (with the nulls so far) at the first non-null value.
    fn data(&mut self) -> &mut BuilderData {
        let (ty, nulls, capacity) = (self.ty, self.nulls, self.capacity.max(self.nulls + 1));
        self.data.get_or_insert_with(|| match storage(ty) {
            Storage::Bool => BuilderData::Bool(with_nulls(capacity, nulls, None)),
            Storage::Long => BuilderData::Long(with_nulls(capacity, nulls, None)),
            Storage::Real => BuilderData::Real(with_nulls(capacity, nulls, None)),
            Storage::Str => BuilderData::Str(Interner::default(), with_nulls(capacity, nulls, 0)),
            Storage::Dyn => BuilderData::Dyn(with_nulls(capacity, nulls, None)),
        })
    }

    pub fn ty(&self) -> Type {
        self.ty
    }

    pub fn len(&self) -> usize {
        match &self.data {
            None => self.nulls,
            Some(BuilderData::Bool(v)) => v.len(),
            Some(BuilderData::Long(v)) => v.len(),
            Some(BuilderData::Real(v)) => v.len(),
            Some(BuilderData::Str(_, v)) => v.len(),
            Some(BuilderData::Dyn(v)) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn push(&mut self, v: Value) {
        if self.data.is_none()
            && (v.is_null()
                || matches!(&v, Value::Str(s) if s.is_empty() && matches!(self.ty, Type::String | Type::Guid)))
        {
            self.nulls += 1;
            return;
        }
        let ty = self.ty;
        match self.data() {
            BuilderData::Bool(c) => c.push(v.as_bool()),
            BuilderData::Long(c) => c.push(match ty {
                Type::DateTime => v.as_datetime(),
                Type::TimeSpan => v.as_timespan(),
                _ => v.as_long(),
            }),
            BuilderData::Real(c) => c.push(v.as_real()),
            BuilderData::Str(i, c) => c.push(match &v {
                Value::Str(s) => i.intern(s),
                Value::Null => 0,
                other => i.intern(&other.to_text()),
            }),
            BuilderData::Dyn(c) => c.push(match v {
                Value::Null => None,
                Value::Dynamic(j) => Some(j),
                other => Some(Arc::new(other.to_json())),
            }),
        }
    }

    pub fn push_str(&mut self, s: &str) {
        if s.is_empty() && self.data.is_none() {
            self.nulls += 1;
            return;
        }
        match self.data() {
            BuilderData::Str(i, c) => c.push(i.intern(s)),
            _ => self.push(Value::str(s)),
        }
    }

    /// Appends a JSON cell (a dataset row's).
    pub fn push_json(&mut self, j: &Json) {
        if j.is_null() && self.data.is_none() {
            self.nulls += 1;
            return;
        }
        let ty = self.ty;
        match (self.data(), j) {
            (BuilderData::Str(i, c), Json::String(s)) => c.push(i.intern(s)),
            (BuilderData::Long(c), Json::Number(n)) if matches!(ty, Type::Int | Type::Long) => {
                c.push(n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)));
            }
            (BuilderData::Dyn(c), j) => c.push((!j.is_null()).then(|| Arc::new(j.clone()))),
            _ => self.push(Value::from_json(j, self.ty)),
        }
    }

    pub fn finish(self) -> Column {
        fn exact<T>(mut v: Vec<T>) -> Vec<T> {
            v.shrink_to_fit();
            v
        }
        let data = match self.data {
            None => Data::Nulls(self.nulls),
            Some(BuilderData::Bool(v)) => Data::Bool(exact(v)),
            Some(BuilderData::Long(v)) => Data::Long(exact(v)),
            Some(BuilderData::Real(v)) => Data::Real(exact(v)),
            Some(BuilderData::Str(i, codes)) => Data::Str(Strings {
                dict: i.finish(),
                codes: exact(codes),
            }),
            Some(BuilderData::Dyn(v)) => Data::Dyn(exact(v)),
        };
        Column { ty: self.ty, data }
    }
}

fn with_nulls<T: Clone>(capacity: usize, n: usize, null: T) -> Vec<T> {
    let mut v = Vec::with_capacity(capacity);
    v.resize(n, null);
    v
}

/// A table: named columns of one length.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub names: Vec<String>,
    pub columns: Vec<Arc<Column>>,
    pub len: usize,
}

impl Table {
    pub fn new(names: Vec<String>, columns: Vec<Arc<Column>>, len: usize) -> Table {
        debug_assert!(columns.iter().all(|c| c.len() == len));
        Table { names, columns, len }
    }

    /// No rows, with these columns.
    pub fn empty(columns: &[(String, Type)]) -> Table {
        Table {
            names: columns.iter().map(|(n, _)| n.clone()).collect(),
            columns: columns.iter().map(|(_, t)| Arc::new(Column::nulls(*t, 0))).collect(),
            len: 0,
        }
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn column(&self, name: &str) -> Option<&Arc<Column>> {
        self.index(name).map(|i| &self.columns[i])
    }

    pub fn schema(&self) -> Vec<(String, Type)> {
        self.names
            .iter()
            .cloned()
            .zip(self.columns.iter().map(|c| c.ty))
            .collect()
    }

    pub fn gather(&self, rows: &[u32]) -> Table {
        Table {
            names: self.names.clone(),
            columns: self.columns.iter().map(|c| Arc::new(c.gather(rows))).collect(),
            len: rows.len(),
        }
    }

    /// The first `n` rows.
    pub fn head(&self, n: usize) -> Table {
        if n >= self.len {
            return self.clone();
        }
        let rows: Vec<u32> = (0..n as u32).collect();
        self.gather(&rows)
    }

    /// Adds a column, or replaces the one of that name in place.
    pub fn set(&mut self, name: &str, column: Arc<Column>) {
        match self.index(name) {
            Some(i) => self.columns[i] = column,
            None => {
                self.names.push(name.to_string());
                self.columns.push(column);
            }
        }
    }

    /// The tables' rows one after the other, columns matched by name (a column a part lacks
    /// is null there). See [`Appender`].
    pub fn concat(parts: Vec<Table>) -> Table {
        let mut a = Appender::default();
        for p in parts {
            a.append(p);
        }
        a.finish()
    }
}

/// Builds a table by appending tables (a generator's chunks), each freed once appended.
/// Columns are matched by name; strings are re-interned once per distinct string of each part,
/// not per row; a column no part fills stays one null per table.
#[derive(Debug, Default)]
pub struct Appender {
    names: Vec<String>,
    columns: Vec<(Type, Acc)>,
    len: usize,
    /// The rows expected in all (columns are allocated for them once, not grown).
    capacity: usize,
}

#[derive(Debug)]
enum Acc {
    /// Only nulls so far: how many.
    Nulls(usize),
    Bool(Vec<Option<bool>>),
    Long(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Str(Interner, Vec<u32>),
    Dyn(Vec<Option<Arc<Json>>>),
}

impl Acc {
    fn nulls(&mut self, n: usize) {
        match self {
            Acc::Nulls(k) => *k += n,
            Acc::Bool(v) => v.resize(v.len() + n, None),
            Acc::Long(v) => v.resize(v.len() + n, None),
            Acc::Real(v) => v.resize(v.len() + n, None),
            Acc::Str(_, v) => v.resize(v.len() + n, 0),
            Acc::Dyn(v) => v.resize(v.len() + n, None),
        }
    }

    /// Leaves the all-null state for storage of type `ty`, with room for `capacity` rows.
    fn materialize(&mut self, ty: Type, capacity: usize) {
        if let Acc::Nulls(k) = *self {
            let cap = capacity.max(k);
            *self = match storage(ty) {
                Storage::Bool => Acc::Bool(with_nulls(cap, k, None)),
                Storage::Long => Acc::Long(with_nulls(cap, k, None)),
                Storage::Real => Acc::Real(with_nulls(cap, k, None)),
                Storage::Str => Acc::Str(Interner::default(), with_nulls(cap, k, 0)),
                Storage::Dyn => Acc::Dyn(with_nulls(cap, k, None)),
            };
        }
    }

    fn extend(&mut self, ty: Type, c: &Column, capacity: usize) {
        if let Data::Nulls(n) = c.data {
            return self.nulls(n);
        }
        self.materialize(ty, capacity);
        match (self, &c.data) {
            (Acc::Bool(v), Data::Bool(x)) => v.extend_from_slice(x),
            (Acc::Long(v), Data::Long(x)) if c.ty == ty => v.extend_from_slice(x),
            (Acc::Real(v), Data::Real(x)) => v.extend_from_slice(x),
            (Acc::Dyn(v), Data::Dyn(x)) => v.extend_from_slice(x),
            (Acc::Str(interner, v), Data::Str(s)) => {
                let remap: Vec<u32> = (0..s.dict.len() as u32)
                    .map(|k| interner.intern(s.dict.get(k)))
                    .collect();
                v.extend(s.codes.iter().map(|&k| remap[k as usize]));
            }
            // A part that typed the column differently: value by value.
            (acc, _) => {
                let mut b = ColumnBuilder::new(ty, c.len());
                (0..c.len()).for_each(|r| b.push(c.get(r)));
                acc.extend(ty, &b.finish(), capacity);
            }
        }
    }
}

impl Appender {
    /// An appender that expects about `rows` rows in all.
    pub fn with_capacity(rows: usize) -> Appender {
        Appender {
            capacity: rows,
            ..Appender::default()
        }
    }

    /// The rows it expects in all.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn append(&mut self, t: Table) {
        let mut seen = vec![false; self.columns.len()];
        for (name, col) in t.names.iter().zip(&t.columns) {
            let i = match self.names.iter().position(|n| n == name) {
                Some(i) => i,
                None => {
                    self.names.push(name.clone());
                    self.columns.push((col.ty, Acc::Nulls(self.len)));
                    seen.push(false);
                    self.columns.len() - 1
                }
            };
            seen[i] = true;
            let (ty, acc) = &mut self.columns[i];
            acc.extend(*ty, col, self.capacity);
        }
        for (i, (_, acc)) in self.columns.iter_mut().enumerate() {
            if !seen[i] {
                acc.nulls(t.len);
            }
        }
        self.len += t.len;
    }

    pub fn finish(self) -> Table {
        let columns = self
            .columns
            .into_iter()
            .map(|(ty, acc)| {
                let data = match acc {
                    Acc::Nulls(n) => Data::Nulls(n),
                    Acc::Bool(v) => Data::Bool(v),
                    Acc::Long(v) => Data::Long(v),
                    Acc::Real(v) => Data::Real(v),
                    Acc::Str(i, codes) => Data::Str(Strings {
                        dict: i.finish(),
                        codes,
                    }),
                    Acc::Dyn(v) => Data::Dyn(v),
                };
                Arc::new(Column { ty, data })
            })
            .collect();
        Table {
            names: self.names,
            columns,
            len: self.len,
        }
    }
}

impl Table {
    /// Row `i` as a JSON object, leaving out nulls and empty strings (how datasets keep rows).
    pub fn row_object(&self, row: usize) -> Map<String, Json> {
        let mut m = Map::new();
        for (name, col) in self.names.iter().zip(&self.columns) {
            let v = col.get(row);
            if !v.is_empty() {
                m.insert(name.clone(), v.to_json());
            }
        }
        m
    }

    /// Every row as a JSON object (sparse, as [`Table::row_object`]).
    pub fn objects(&self) -> impl Iterator<Item = Map<String, Json>> + '_ {
        (0..self.len).map(|i| self.row_object(i))
    }
}

impl PartialEq for Table {
    /// Same columns (names and types) and the same values row by row (dictionaries may differ).
    fn eq(&self, other: &Table) -> bool {
        self.names == other.names
            && self.len == other.len
            && self.columns.iter().zip(&other.columns).all(|(a, b)| {
                a.ty == b.ty
                    && (0..self.len).all(|r| a.get(r) == b.get(r) || (a.get(r).is_null() && b.get(r).is_null()))
            })
    }
}

/// The .NET type name Graph's `runHuntingQuery` gives a column of this type.
pub fn graph_type_name(ty: Type) -> &'static str {
    match ty {
        Type::Bool => "Boolean",
        Type::Int => "Int32",
        Type::Long => "Int64",
        Type::Real => "Double",
        Type::Decimal => "Decimal",
        Type::String => "String",
        Type::DateTime => "DateTime",
        Type::TimeSpan => "TimeSpan",
        Type::Guid => "Guid",
        Type::Dynamic | Type::Unknown => "Object",
    }
}

/// Builds a table from JSON rows, column types from a schema (a column the schema lacks takes
/// the type of its first non-null value; a row without a column reads it as null). Columns are
/// made when a row first fills them; [`TableBuilder::finish`] lays them out in the schema's
/// order with every schema column present.
#[derive(Debug)]
pub struct TableBuilder<'s> {
    schema: &'s [(String, Type)],
    names: Vec<String>,
    columns: Vec<ColumnBuilder>,
    index: HashMap<String, usize>,
    len: usize,
    /// Which columns the row being pushed has set (kept between rows).
    set: Vec<bool>,
}

impl<'s> TableBuilder<'s> {
    pub fn new(schema: &'s [(String, Type)]) -> TableBuilder<'s> {
        TableBuilder {
            schema,
            names: Vec::new(),
            columns: Vec::new(),
            index: HashMap::new(),
            len: 0,
            set: Vec::new(),
        }
    }

    fn add_column(&mut self, name: &str, ty: Type) -> usize {
        let mut col = ColumnBuilder::new(ty, self.len);
        col.nulls = self.len;
        self.index.insert(name.to_string(), self.columns.len());
        self.names.push(name.to_string());
        self.columns.push(col);
        self.columns.len() - 1
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a row of `(column, value)` pairs.
    pub fn push_fields<'k>(&mut self, fields: impl IntoIterator<Item = (&'k str, Json)>) {
        let mut set = std::mem::take(&mut self.set);
        set.clear();
        set.resize(self.columns.len(), false);
        for (name, value) in fields {
            self.cell(name, &value, &mut set);
        }
        self.end_row(&set);
        self.set = set;
    }

    /// Appends a row given as a JSON object.
    pub fn push_object(&mut self, row: &Map<String, Json>) {
        let mut set = std::mem::take(&mut self.set);
        set.clear();
        set.resize(self.columns.len(), false);
        for (name, value) in row {
            self.cell(name, value, &mut set);
        }
        self.end_row(&set);
        self.set = set;
    }

    fn cell(&mut self, name: &str, value: &Json, set: &mut Vec<bool>) {
        let i = match self.index.get(name) {
            Some(&i) => i,
            None if value.is_null() => return,
            None => {
                let ty = self
                    .schema
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or_else(|| json_type(value), |(_, t)| *t);
                self.add_column(name, ty)
            }
        };
        if set.len() <= i {
            set.resize(i + 1, false);
        }
        if !set[i] {
            self.columns[i].push_json(value);
            set[i] = true;
        }
    }

    fn end_row(&mut self, set: &[bool]) {
        for (i, col) in self.columns.iter_mut().enumerate() {
            if !set.get(i).copied().unwrap_or(false) {
                col.push(Value::Null);
            }
        }
        self.len += 1;
    }

    /// The columns rows filled, in the order they were first filled.
    pub fn finish_sparse(self) -> Table {
        Table {
            names: self.names,
            columns: self.columns.into_iter().map(|c| Arc::new(c.finish())).collect(),
            len: self.len,
        }
    }

    /// Every schema column in the schema's order (null where no row filled it), then the
    /// columns the schema lacks.
    pub fn finish(self) -> Table {
        let schema = self.schema;
        self.finish_sparse().conform(schema)
    }
}

impl Table {
    /// This table laid out as `schema`: its columns in the schema's order, a missing one as
    /// nulls, then the columns the schema lacks in their order.
    pub fn conform(self, schema: &[(String, Type)]) -> Table {
        let mut taken = vec![false; self.names.len()];
        let mut names = Vec::with_capacity(schema.len() + self.names.len());
        let mut columns = Vec::with_capacity(names.capacity());
        for (name, ty) in schema {
            match self.index(name) {
                Some(i) => {
                    taken[i] = true;
                    names.push(name.clone());
                    columns.push(self.columns[i].clone());
                }
                None => {
                    names.push(name.clone());
                    columns.push(Arc::new(Column::nulls(*ty, self.len)));
                }
            }
        }
        for ((n, c), t) in self.names.into_iter().zip(self.columns).zip(taken) {
            if !t {
                names.push(n);
                columns.push(c);
            }
        }
        Table {
            names,
            columns,
            len: self.len,
        }
    }
}

/// The type of a column first seen with this value.
fn json_type(j: &Json) -> Type {
    match j {
        Json::Bool(_) => Type::Bool,
        Json::Number(n) if n.is_i64() || n.is_u64() => Type::Long,
        Json::Number(_) => Type::Real,
        Json::String(_) => Type::String,
        _ => Type::Dynamic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn interning_keeps_one_copy_per_string() {
        let mut i = Interner::default();
        let words: Vec<String> = (0..1000).map(|n| format!("w{}", n % 300)).collect();
        let codes: Vec<u32> = words.iter().map(|w| i.intern(w)).collect();
        assert_eq!(i.intern(""), 0);
        let dict = i.finish();
        assert_eq!(dict.len(), 301);
        for (w, c) in words.iter().zip(&codes) {
            assert_eq!(dict.get(*c), w);
        }
    }

    #[test]
    fn concat_matches_columns_by_name_and_reinterns_strings() {
        let t = |rows: Json| {
            let schema = [("S".to_string(), Type::String), ("N".to_string(), Type::Long)];
            let mut b = TableBuilder::new(&schema);
            for r in rows.as_array().unwrap() {
                b.push_object(r.as_object().unwrap());
            }
            b.finish()
        };
        let a = t(json!([{"S": "x", "N": 1}, {"S": "y"}]));
        let b = t(json!([{"S": "y", "Extra": true}, {"N": 3}]));
        let c = Table::concat(vec![a, b]);
        assert_eq!(c.names, ["S", "N", "Extra"]);
        assert_eq!(c.len, 4);
        let col = |n: &str| (0..4).map(|r| c.column(n).unwrap().get(r)).collect::<Vec<_>>();
        assert_eq!(
            col("S"),
            [Value::str("x"), Value::str("y"), Value::str("y"), Value::str("")]
        );
        assert_eq!(col("N"), [Value::Long(1), Value::Null, Value::Null, Value::Long(3)]);
        assert_eq!(col("Extra"), [Value::Null, Value::Null, Value::Bool(true), Value::Null]);
        let Data::Str(s) = &c.column("S").unwrap().data else {
            panic!("strings")
        };
        assert_eq!(s.dict.len(), 3, "one entry per distinct string");
        // A column no part fills is one null per table.
        let empty = Table::concat(vec![t(json!([{}])), t(json!([{}]))]);
        assert!(matches!(empty.columns[0].data, Data::Nulls(2)));
    }

    #[test]
    fn builder_types_columns_by_schema_and_reads_missing_as_null() {
        let schema = vec![
            ("Timestamp".to_string(), Type::DateTime),
            ("N".to_string(), Type::Long),
            ("S".to_string(), Type::String),
        ];
        let mut b = TableBuilder::new(&schema);
        b.push_object(
            json!({"Timestamp": "2030-01-01T00:00:00Z", "N": 5, "Extra": true})
                .as_object()
                .unwrap(),
        );
        b.push_fields([("S", json!("x"))]);
        let t = b.finish();
        assert_eq!(t.len, 2);
        assert_eq!(t.names, ["Timestamp", "N", "S", "Extra"]);
        assert_eq!(t.columns[3].ty, Type::Bool);
        assert_eq!(t.columns[1].get(1), Value::Null);
        assert_eq!(t.columns[2].get(0), Value::str(""));
        assert_eq!(
            Json::Object(t.row_object(0)),
            json!({"Timestamp": "2030-01-01T00:00:00.0000000Z", "N": 5, "Extra": true})
        );
    }
}
