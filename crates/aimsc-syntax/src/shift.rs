//! Moving a parsed item to another place in its file: every span it holds, by the same number
//! of bytes. An item parsed earlier and found again unchanged after an edit above it is moved
//! rather than parsed again (see [`crate::parser`]).

use crate::ast::*;
use aimsc_diagnostics::Span;

/// Adds `by` bytes to every span of a node.
pub(crate) trait Shift {
    fn shift(&mut self, by: i64);
}

impl Shift for Span {
    fn shift(&mut self, by: i64) {
        let moved = |x: u32| u32::try_from((i64::from(x) + by).max(0)).unwrap_or(u32::MAX);
        self.start = moved(self.start);
        self.end = moved(self.end);
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: i64) {
        if let Some(x) = self {
            x.shift(by);
        }
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: i64) {
        for x in self {
            x.shift(by);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, by: i64) {
        (**self).shift(by);
    }
}

impl Shift for Ident {
    fn shift(&mut self, by: i64) {
        self.span.shift(by);
    }
}

impl Shift for QualId {
    fn shift(&mut self, by: i64) {
        self.span.shift(by);
    }
}

impl Shift for StrLit {
    fn shift(&mut self, by: i64) {
        self.span.shift(by);
    }
}

impl Shift for Item {
    fn shift(&mut self, by: i64) {
        match self {
            Item::Framework(i) => {
                i.name.shift(by);
                i.title.shift(by);
                i.excludable.shift(by);
                i.waivable.shift(by);
                i.span.shift(by);
            }
            Item::Enum(i) => {
                i.name.shift(by);
                i.members.shift(by);
                i.span.shift(by);
            }
            Item::Record(i) => {
                i.name.shift(by);
                i.fields.shift(by);
                i.span.shift(by);
            }
            Item::Facts(i) => {
                i.fields.shift(by);
                i.span.shift(by);
            }
            Item::Def(i) => {
                i.name.shift(by);
                i.params.shift(by);
                i.body.shift(by);
                i.span.shift(by);
            }
            Item::Check(i) => {
                i.id.shift(by);
                i.title.shift(by);
                i.domain.shift(by);
                i.intent.shift(by);
                i.applies.shift(by);
                i.requires.shift(by);
                i.supports.shift(by);
                i.span.shift(by);
            }
            Item::Map(i) => {
                i.source.shift(by);
                i.target.shift(by);
                i.relation.shift(by);
                i.provenance.shift(by);
                i.note.shift(by);
                i.span.shift(by);
            }
            Item::Exclude(i) => {
                i.target.shift(by);
                i.justification.shift(by);
                i.span.shift(by);
            }
            Item::Waive(i) => {
                i.target.shift(by);
                if let Some((_, at)) = &mut i.until {
                    at.shift(by);
                }
                i.owner.shift(by);
                i.justification.shift(by);
                i.span.shift(by);
            }
            Item::Entry(i) => {
                i.id.shift(by);
                i.title.shift(by);
                i.domain.shift(by);
                i.span.shift(by);
            }
            Item::Param(i) => {
                i.name.shift(by);
                i.ty.shift(by);
                i.default.shift(by);
                i.min.shift(by);
                i.max.shift(by);
                i.doc.shift(by);
                i.span.shift(by);
            }
            Item::Set(i) => {
                i.name.shift(by);
                i.value.shift(by);
                i.span.shift(by);
            }
            Item::Assign(i) => {
                i.target.shift(by);
                i.owner.shift(by);
                i.span.shift(by);
            }
        }
    }
}

impl Shift for ScopePolicy {
    fn shift(&mut self, by: i64) {
        self.patterns.shift(by);
        self.span.shift(by);
    }
}

impl Shift for FieldDecl {
    fn shift(&mut self, by: i64) {
        self.name.shift(by);
        self.ty.shift(by);
        self.past.shift(by);
        self.doc.shift(by);
    }
}

impl Shift for TypeExpr {
    fn shift(&mut self, by: i64) {
        match &mut self.kind {
            TypeKind::Named(i) | TypeKind::Ref(i) => i.shift(by),
            TypeKind::List(t) => t.shift(by),
        }
        self.span.shift(by);
    }
}

impl Shift for Param {
    fn shift(&mut self, by: i64) {
        self.name.shift(by);
        self.ty.shift(by);
    }
}

impl Shift for Require {
    fn shift(&mut self, by: i64) {
        self.name.shift(by);
        self.body.shift(by);
        self.attested.shift(by);
        self.practice.shift(by);
        self.span.shift(by);
    }
}

impl Shift for Expr {
    fn shift(&mut self, by: i64) {
        match &mut self.kind {
            ExprKind::Bool(_)
            | ExprKind::Int(_)
            | ExprKind::Decimal(_)
            | ExprKind::Str(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(..)
            | ExprKind::Today
            | ExprKind::Name(_) => {}
            ExprKind::Field(base, field) => {
                base.shift(by);
                field.shift(by);
            }
            ExprKind::Not(x) | ExprKind::IsSet(x, _) => x.shift(by),
            ExprKind::And(xs) | ExprKind::Or(xs) | ExprKind::List(xs) => xs.shift(by),
            ExprKind::Compare(a, _, b) | ExprKind::Text(a, _, b) | ExprKind::Arith(a, _, b) => {
                a.shift(by);
                b.shift(by);
            }
            ExprKind::In { elem, list, .. } => {
                elem.shift(by);
                list.shift(by);
            }
            ExprKind::Quant {
                var,
                coll,
                filter,
                body,
                ..
            } => {
                var.shift(by);
                coll.shift(by);
                filter.shift(by);
                body.shift(by);
            }
            ExprKind::Count { var, coll, filter } => {
                var.shift(by);
                coll.shift(by);
                filter.shift(by);
            }
            ExprKind::Call(name, args) => {
                name.shift(by);
                args.shift(by);
            }
            ExprKind::Block(lets, body) => {
                for (name, value) in lets {
                    name.shift(by);
                    value.shift(by);
                }
                body.shift(by);
            }
        }
        self.span.shift(by);
    }
}
