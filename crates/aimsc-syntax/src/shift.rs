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
        let Ident { name: _, span } = self;
        span.shift(by);
    }
}

impl Shift for QualId {
    fn shift(&mut self, by: i64) {
        let QualId {
            text: _,
            namespace: _,
            span,
        } = self;
        span.shift(by);
    }
}

impl Shift for StrLit {
    fn shift(&mut self, by: i64) {
        let StrLit { value: _, span } = self;
        span.shift(by);
    }
}

impl Shift for Item {
    // Every struct is taken apart whole (no `..`), so that a span field added to the syntax
    // tree fails to compile here until it is moved too.
    fn shift(&mut self, by: i64) {
        match self {
            Item::Framework(Framework {
                name,
                title,
                excludable,
                waivable,
                span,
            }) => {
                name.shift(by);
                title.shift(by);
                excludable.shift(by);
                waivable.shift(by);
                span.shift(by);
            }
            Item::Enum(EnumDecl {
                name,
                members,
                span,
            }) => {
                name.shift(by);
                members.shift(by);
                span.shift(by);
            }
            Item::Record(RecordDecl { name, fields, span }) => {
                name.shift(by);
                fields.shift(by);
                span.shift(by);
            }
            Item::Facts(FactsDecl { fields, span }) => {
                fields.shift(by);
                span.shift(by);
            }
            Item::Def(DefDecl {
                name,
                params,
                body,
                span,
            }) => {
                name.shift(by);
                params.shift(by);
                body.shift(by);
                span.shift(by);
            }
            Item::Check(CheckDecl {
                kind: _,
                id,
                title,
                domain,
                intent,
                applies,
                requires,
                supports,
                excludable: _,
                span,
            }) => {
                id.shift(by);
                title.shift(by);
                domain.shift(by);
                intent.shift(by);
                applies.shift(by);
                requires.shift(by);
                supports.shift(by);
                span.shift(by);
            }
            Item::Map(MapDecl {
                source,
                target,
                relation,
                provenance,
                note,
                span,
            }) => {
                source.shift(by);
                target.shift(by);
                relation.shift(by);
                provenance.shift(by);
                note.shift(by);
                span.shift(by);
            }
            Item::Exclude(ExcludeDecl {
                target,
                justification,
                span,
            }) => {
                target.shift(by);
                justification.shift(by);
                span.shift(by);
            }
            Item::Waive(WaiveDecl {
                target,
                until,
                owner,
                justification,
                span,
            }) => {
                target.shift(by);
                if let Some((_, at)) = until {
                    at.shift(by);
                }
                owner.shift(by);
                justification.shift(by);
                span.shift(by);
            }
            Item::Entry(EntryDecl {
                id,
                title,
                domain,
                span,
            }) => {
                id.shift(by);
                title.shift(by);
                domain.shift(by);
                span.shift(by);
            }
            Item::Param(ParamDecl {
                name,
                ty,
                default,
                min,
                max,
                doc,
                span,
            }) => {
                name.shift(by);
                ty.shift(by);
                default.shift(by);
                min.shift(by);
                max.shift(by);
                doc.shift(by);
                span.shift(by);
            }
            Item::Set(SetDecl { name, value, span }) => {
                name.shift(by);
                value.shift(by);
                span.shift(by);
            }
            Item::Assign(AssignDecl {
                target,
                owner,
                span,
            }) => {
                target.shift(by);
                owner.shift(by);
                span.shift(by);
            }
        }
    }
}

impl Shift for ScopePolicy {
    fn shift(&mut self, by: i64) {
        let ScopePolicy { patterns, span } = self;
        patterns.shift(by);
        span.shift(by);
    }
}

impl Shift for FieldDecl {
    fn shift(&mut self, by: i64) {
        let FieldDecl {
            name,
            ty,
            past,
            doc,
        } = self;
        name.shift(by);
        ty.shift(by);
        past.shift(by);
        doc.shift(by);
    }
}

impl Shift for TypeExpr {
    fn shift(&mut self, by: i64) {
        let TypeExpr {
            kind,
            optional: _,
            span,
        } = self;
        match kind {
            TypeKind::Named(i) | TypeKind::Ref(i) => i.shift(by),
            TypeKind::List(t) => t.shift(by),
        }
        span.shift(by);
    }
}

impl Shift for Param {
    fn shift(&mut self, by: i64) {
        let Param { name, ty } = self;
        name.shift(by);
        ty.shift(by);
    }
}

impl Shift for Require {
    fn shift(&mut self, by: i64) {
        let Require {
            name,
            body,
            attested,
            practice,
            span,
        } = self;
        name.shift(by);
        body.shift(by);
        attested.shift(by);
        practice.shift(by);
        span.shift(by);
    }
}

impl Shift for Expr {
    fn shift(&mut self, by: i64) {
        let Expr { kind, span } = self;
        match kind {
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
        span.shift(by);
    }
}
