//! Every name in a rule file, resolved: what it refers to, whether it declares it, and for fact
//! paths their type and path in the facts. Hover, definitions, references, rename and semantic
//! tokens are all lookups in this index.

use aimsc_diagnostics::Span;
use aimsc_eval::model::{Model, Ty};
use aimsc_syntax::ast::*;

/// What a name refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A control, rule or catalog entry, by id.
    Item(String),
    /// A framework, by name.
    Framework(String),
    /// A record or enum type.
    Type(String),
    /// An enum member, by enum and member.
    Member(String, String),
    /// A field of a record (`facts` for the root).
    Field(String, String),
    /// A def or param.
    Def(String),
    /// A local binding (quantifier variable, `let`, def parameter), by its declaring span.
    Local(Span),
}

/// One occurrence of a name.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    /// Where the name is written.
    pub span: Span,
    /// What it refers to.
    pub key: Key,
    /// Whether this occurrence declares it.
    pub decl: bool,
    /// Its type, for expressions and fields.
    pub ty: Option<Ty>,
    /// For fact paths: the path in the facts, `[]` marking list elements
    /// (`ai_systems[].owner.role`).
    pub path: Option<String>,
}

/// All occurrences of one file, in source order.
#[derive(Debug, Clone, Default)]
pub struct FileIndex {
    /// Occurrences sorted by span start.
    pub occurrences: Vec<Occurrence>,
}

impl FileIndex {
    /// The occurrence covering `offset` (a cursor just after a name counts too).
    pub fn at(&self, offset: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.span.start() <= offset && offset <= o.span.end())
            .min_by_key(|o| o.span.len())
    }
}

struct Local {
    name: String,
    decl: Span,
    ty: Ty,
    path: Option<String>,
}

struct Indexer<'a> {
    model: &'a Model,
    out: Vec<Occurrence>,
    locals: Vec<Local>,
}

/// Indexes one parsed file against the workspace's checked model.
pub fn index_file(model: &Model, file: &SourceFile) -> FileIndex {
    let mut ix = Indexer {
        model,
        out: Vec::new(),
        locals: Vec::new(),
    };
    for item in &file.items {
        ix.item(item);
    }
    ix.out.sort_by_key(|o| (o.span.start(), o.span.end()));
    FileIndex {
        occurrences: ix.out,
    }
}

impl Indexer<'_> {
    fn push(&mut self, span: Span, key: Key, decl: bool) {
        self.out.push(Occurrence {
            span,
            key,
            decl,
            ty: None,
            path: None,
        });
    }

    fn qid(&mut self, q: &QualId, decl: bool) {
        self.push(q.span, Key::Item(q.text.clone()), decl);
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Framework(f) => self.push(f.name.span, Key::Framework(f.name.name.clone()), true),
            Item::Enum(e) => {
                self.push(e.name.span, Key::Type(e.name.name.clone()), true);
                for m in &e.members {
                    self.push(
                        m.span,
                        Key::Member(e.name.name.clone(), m.name.clone()),
                        true,
                    );
                }
            }
            Item::Record(r) => {
                self.push(r.name.span, Key::Type(r.name.name.clone()), true);
                self.fields(&r.name.name, &r.fields);
            }
            Item::Facts(f) => self.fields("facts", &f.fields),
            Item::Def(d) => {
                self.push(d.name.span, Key::Def(d.name.name.clone()), true);
                let mark = self.locals.len();
                for p in &d.params {
                    self.type_expr(&p.ty);
                    let ty = self.ty_of(&p.ty);
                    self.bind(&p.name, ty.clone(), None);
                }
                self.expr(&d.body);
                self.locals.truncate(mark);
            }
            Item::Check(c) => {
                self.qid(&c.id, true);
                for s in &c.supports {
                    self.qid(s, false);
                }
                if let Some(a) = &c.applies {
                    self.expr(a);
                }
                for r in c.requires.iter().filter_map(|r| r.body.as_ref()) {
                    self.expr(r);
                }
            }
            Item::Map(m) => {
                self.qid(&m.source, false);
                self.qid(&m.target, false);
            }
            Item::Exclude(e) => self.qid(&e.target, false),
            Item::Waive(w) => self.qid(&w.target, false),
            Item::Assign(a) => self.qid(&a.target, false),
            Item::Entry(e) => self.qid(&e.id, true),
            Item::Param(p) => {
                self.push(p.name.span, Key::Def(p.name.name.clone()), true);
                self.type_expr(&p.ty);
                self.expr(&p.default);
            }
            Item::Set(s) => {
                self.push(s.name.span, Key::Def(s.name.name.clone()), false);
                self.expr(&s.value);
            }
        }
    }

    fn fields(&mut self, record: &str, fields: &[FieldDecl]) {
        for f in fields {
            let ty = self.ty_of(&f.ty);
            let path = (record == "facts").then(|| f.name.name.clone());
            self.out.push(Occurrence {
                span: f.name.span,
                key: Key::Field(record.to_string(), f.name.name.clone()),
                decl: true,
                ty: Some(ty),
                path,
            });
            self.type_expr(&f.ty);
        }
    }

    fn type_expr(&mut self, t: &TypeExpr) {
        match &t.kind {
            TypeKind::Named(n) if Ty::builtin(&n.name).is_none() => {
                self.push(n.span, Key::Type(n.name.clone()), false);
            }
            TypeKind::Named(_) => {}
            TypeKind::List(inner) => self.type_expr(inner),
            TypeKind::Ref(n) => self.push(n.span, Key::Type(n.name.clone()), false),
        }
    }

    /// The model type of a written type.
    fn ty_of(&self, t: &TypeExpr) -> Ty {
        match &t.kind {
            TypeKind::Named(n) => match (Ty::builtin(&n.name), n.name.as_str()) {
                (Some(t), _) => t,
                (None, other) if self.model.enums.contains_key(other) => Ty::Enum(other.into()),
                (None, other) if self.model.records.contains_key(other) => Ty::Record(other.into()),
                _ => Ty::Error,
            },
            TypeKind::List(inner) => Ty::List(Box::new(self.ty_of(inner))),
            TypeKind::Ref(n) => Ty::Ref(n.name.as_str().into()),
        }
    }

    fn bind(&mut self, name: &Ident, ty: Ty, path: Option<String>) {
        self.out.push(Occurrence {
            span: name.span,
            key: Key::Local(name.span),
            decl: true,
            ty: Some(ty.clone()),
            path: path.clone(),
        });
        self.locals.push(Local {
            name: name.name.clone(),
            decl: name.span,
            ty,
            path,
        });
    }

    /// Indexes an expression and returns its type and fact path, as far as they are known.
    fn expr(&mut self, e: &Expr) -> (Ty, Option<String>) {
        match &e.kind {
            ExprKind::Bool(_) => (Ty::Bool, None),
            ExprKind::Int(_) => (Ty::Int, None),
            ExprKind::Decimal(_) => (Ty::Decimal, None),
            ExprKind::Str(_) => (Ty::Str, None),
            ExprKind::Date(_) | ExprKind::Today => (Ty::Date, None),
            ExprKind::Duration(..) => (Ty::Duration, None),
            ExprKind::Name(n) => self.name(n, e.span),
            ExprKind::Field(base, f) => {
                let (bt, bpath) = self.expr(base);
                let record = match &bt {
                    Ty::Record(r) | Ty::Ref(r) => Some(r.clone()),
                    _ => None,
                };
                let field = record
                    .as_ref()
                    .and_then(|r| self.model.records.get(r))
                    .and_then(|r| r.fields.get(f.name.as_str()));
                let ty = field.map_or(Ty::Error, |f| f.ty.clone());
                let path = bpath.map(|p| format!("{p}.{}", f.name));
                if let Some(r) = record {
                    self.out.push(Occurrence {
                        span: f.span,
                        key: Key::Field(r.to_string(), f.name.clone()),
                        decl: false,
                        ty: Some(ty.clone()),
                        path: path.clone(),
                    });
                }
                (ty, path)
            }
            ExprKind::Not(x) => {
                self.expr(x);
                (Ty::Bool, None)
            }
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                for x in xs {
                    self.expr(x);
                }
                (Ty::Bool, None)
            }
            ExprKind::Compare(a, _, b) | ExprKind::Text(a, _, b) => {
                self.expr(a);
                self.expr(b);
                (Ty::Bool, None)
            }
            ExprKind::In { elem, list, .. } => {
                self.expr(elem);
                self.expr(list);
                (Ty::Bool, None)
            }
            ExprKind::IsSet(x, _) => {
                self.expr(x);
                (Ty::Bool, None)
            }
            ExprKind::Arith(a, _, b) => {
                let (ta, _) = self.expr(a);
                let (tb, _) = self.expr(b);
                let ty = match (ta, tb) {
                    (Ty::Date, Ty::Date) => Ty::Duration,
                    (Ty::Date, _) | (_, Ty::Date) => Ty::Date,
                    (t, _) => t,
                };
                (ty, None)
            }
            ExprKind::Quant {
                var,
                coll,
                filter,
                body,
                ..
            } => {
                let mark = self.locals.len();
                self.binder(var, coll);
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.expr(body);
                self.locals.truncate(mark);
                (Ty::Bool, None)
            }
            ExprKind::Count { var, coll, filter } => {
                let mark = self.locals.len();
                match var {
                    Some(v) => self.binder(v, coll),
                    None => {
                        self.expr(coll);
                    }
                }
                if let Some(f) = filter {
                    self.expr(f);
                }
                self.locals.truncate(mark);
                (Ty::Int, None)
            }
            ExprKind::Call(f, args) => {
                self.push(f.span, Key::Def(f.name.clone()), false);
                for a in args {
                    self.expr(a);
                }
                let ty = self
                    .model
                    .defs
                    .iter()
                    .find(|d| *d.name == *f.name)
                    .map_or(Ty::Error, |d| d.body.ty.clone());
                (ty, None)
            }
            ExprKind::List(xs) => {
                let mut elem = Ty::Error;
                for x in xs {
                    elem = self.expr(x).0;
                }
                (Ty::List(Box::new(elem)), None)
            }
            ExprKind::Block(lets, body) => {
                let mark = self.locals.len();
                for (name, value) in lets {
                    let (ty, path) = self.expr(value);
                    self.bind(name, ty, path);
                }
                let out = self.expr(body);
                self.locals.truncate(mark);
                out
            }
        }
    }

    fn binder(&mut self, var: &Ident, coll: &Expr) {
        let (ct, cpath) = self.expr(coll);
        let elem = match ct {
            Ty::List(t) => *t,
            _ => Ty::Error,
        };
        self.bind(var, elem, cpath.map(|p| format!("{p}[]")));
    }

    fn name(&mut self, n: &str, span: Span) -> (Ty, Option<String>) {
        if let Some(l) = self.locals.iter().rev().find(|l| l.name == n) {
            let (decl, ty, path) = (l.decl, l.ty.clone(), l.path.clone());
            self.out.push(Occurrence {
                span,
                key: Key::Local(decl),
                decl: false,
                ty: Some(ty.clone()),
                path: path.clone(),
            });
            return (ty, path);
        }
        if let Some(d) = self.model.defs.iter().find(|d| *d.name == *n) {
            let ty = d.body.ty.clone();
            self.push(span, Key::Def(n.to_string()), false);
            return (ty, None);
        }
        if let Some(f) = self.model.root.get(n) {
            let ty = f.ty.clone();
            self.out.push(Occurrence {
                span,
                key: Key::Field("facts".into(), n.to_string()),
                decl: false,
                ty: Some(ty.clone()),
                path: Some(n.to_string()),
            });
            return (ty, Some(n.to_string()));
        }
        if let Some(e) = self
            .model
            .enums
            .values()
            .find(|e| e.members.iter().any(|m| **m == *n))
        {
            let key = Key::Member(e.name.to_string(), n.to_string());
            let ty = Ty::Enum(e.name.clone());
            self.push(span, key, false);
            return (ty, None);
        }
        (Ty::Error, None)
    }
}
