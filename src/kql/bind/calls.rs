//! Plugins (`evaluate`), `invoke`, Defender's built-in functions and `let`-bound functions.

use super::*;

impl Binder<'_> {
    pub(super) fn evaluate(&mut self, input: &Columns, call: &Expr) -> Columns {
        let ExprKind::Call { func, args } = &call.kind else {
            return Columns::open();
        };
        // Plugin arguments may be aggregates (`pivot(Col, sum(X))`).
        for a in args {
            if !matches!(a.kind, ExprKind::Star) {
                let ctx = Ctx {
                    aggregate: contains_aggregate(a),
                    ..Ctx::row(input)
                };
                self.expr(a, ctx);
            }
        }
        match func.name.as_str() {
            "bag_unpack" => {
                let mut out = input.clone();
                if let Some(ExprKind::Name(n)) = args.first().map(|a| &a.kind) {
                    out.remove(&n.name);
                }
                out.open = true;
                out
            }
            "pivot"
            | "narrow"
            | "autocluster"
            | "basket"
            | "diffpatterns"
            | "ipv4_lookup"
            | "ipv6_lookup"
            | "sliding_window_counts"
            | "activity_counts_metrics"
            | "activity_engagement"
            | "session_count"
            | "funnel_sequence"
            | "funnel_sequence_completion"
            | "preview"
            | "schema_merge"
            | "sequence_detect"
            | "rolling_percentile"
            | "active_users_count"
            | "dcount_intersect"
            | "new_activity_metrics"
            | "activity_metrics"
            | "market_basket"
            | "percentiles_array"
            | "geo_point_to_h3cell" => {
                let mut out = input.clone();
                out.open = true;
                out
            }
            other => {
                self.error(func.span, format!("`{other}` is not an evaluate plugin advanced hunting offers (bag_unpack, pivot, ipv4_lookup, ...)"));
                Columns::open()
            }
        }
    }

    pub(super) fn invoke(&mut self, input: &Columns, call: &Expr) -> Columns {
        let ExprKind::Call { func, args } = &call.kind else {
            return Columns::open();
        };
        if let Some(Binding::Function(f)) = self.lookup_let(&func.name).cloned() {
            return match self.call_lambda(&f, args, call.span, Some(input), Ctx::row(input)) {
                Ty::Table(c) => c,
                _ => Columns::open(),
            };
        }
        if let Some(f) = self.schema.function(&func.name).cloned() {
            self.builtin_args(&f, args, func.span, input);
            // A source function invoked returns its own table (Kusto.Language accepts it).
            if f.kind == FunctionKind::Source {
                return Columns {
                    cols: f.columns.clone(),
                    source: Some(f.name.clone()),
                    ..Columns::default()
                };
            }
            let mut out = input.clone();
            for (n, t) in &f.columns {
                out.set(n, *t);
            }
            return out;
        }
        let hint = hint(
            &func.name,
            self.schema.functions().map(|f| f.name.as_str()),
            ": invoke takes Defender's functions (FileProfile, SeenBy, ...) or a `let` function of this query",
        );
        self.error(func.span, format!("unknown function '{}' to invoke{hint}", func.name));
        Columns::open()
    }

    /// Arguments of a Defender built-in function: count, and each bound in the input's row.
    pub(super) fn builtin_args(
        &mut self,
        f: &crate::kql::schema::Function,
        args: &[Expr],
        span: Span,
        input: &Columns,
    ) {
        if args.len() < f.required() || args.len() > f.params.len() {
            self.error(
                span,
                format!(
                    "{} takes {} to {} arguments, not {}",
                    f.name,
                    f.required(),
                    f.params.len(),
                    args.len()
                ),
            );
        }
        for a in args {
            // FileProfile's first argument names a column; a string names it too.
            self.expr(a, Ctx::row(input));
        }
    }

    pub(super) fn call_lambda(
        &mut self,
        f: &FunctionDef,
        args: &[Expr],
        span: Span,
        input: Option<&Columns>,
        ctx: Ctx<'_>,
    ) -> Ty {
        self.depth += 1;
        if self.depth > MAX_BIND_DEPTH {
            self.depth -= 1;
            self.error(
                span,
                format!("functions call each other more than {MAX_BIND_DEPTH} levels deep"),
            );
            return Ty::Scalar(Type::Unknown);
        }
        let mut params = f.lambda.params.iter();
        // The body is checked against each tabular parameter's declared schema
        // (`T: (DeviceId: string)`, all it may use); its result has the columns of the tables
        // actually passed (`actual`), as Kusto.Language rebinds a call.
        let mut scope = HashMap::new();
        let mut actual = HashMap::new();
        // `T | invoke f(x)`: the input is the first (tabular) parameter.
        if let Some(input) = input {
            match params.next() {
                Some(LambdaParam {
                    name,
                    ty: ParamType::Tabular(decl),
                    ..
                }) => {
                    self.tabular_argument(&name.name, decl.as_deref(), input, span, &mut scope, &mut actual);
                }
                _ => self.error(span, "the invoked function's first parameter must be a table (T: (*))"),
            }
        }
        let rest: Vec<&LambdaParam> = params.collect();
        let required = rest.iter().filter(|p| p.default.is_none()).count();
        let positional: Vec<&Expr> = args
            .iter()
            .filter(|a| !matches!(a.kind, ExprKind::Named { .. }))
            .collect();
        if args.len() < required || args.len() > rest.len() {
            self.error(
                span,
                format!(
                    "the function takes {} argument{}, not {}",
                    if required == rest.len() {
                        required.to_string()
                    } else {
                        format!("{required} to {}", rest.len())
                    },
                    if rest.len() == 1 { "" } else { "s" },
                    args.len()
                ),
            );
        }
        for (i, p) in rest.iter().enumerate() {
            let arg = args
                .iter()
                .find(|a| matches!(&a.kind, ExprKind::Named { name, .. } if name.name == p.name.name))
                .map(|a| match &a.kind {
                    ExprKind::Named { value, .. } => value.as_ref(),
                    _ => a,
                })
                .or_else(|| positional.get(i).copied());
            match (&p.ty, arg) {
                (ParamType::Tabular(decl), Some(a)) => {
                    let c = self.tabular(a, ctx).unwrap_or_else(Columns::open);
                    self.tabular_argument(&p.name.name, decl.as_deref(), &c, a.span, &mut scope, &mut actual);
                }
                (ParamType::Tabular(decl), None) => {
                    scope.insert(p.name.name.clone(), Binding::Table(declared_columns(decl.as_deref())));
                }
                (ParamType::Scalar(t), arg) => {
                    if let Some(a) = arg {
                        self.scalar(a, ctx);
                    }
                    scope.insert(p.name.name.clone(), Binding::Scalar(*t));
                }
            }
        }
        let result = self.lambda_body(f, scope.clone());
        let result = if actual.is_empty() {
            result
        } else {
            // Bind again with the actual tables for the result; the declared binding reported.
            let mut rebound = scope;
            rebound.extend(actual);
            let before = self.diags.len();
            let result = self.lambda_body(f, rebound);
            self.diags.truncate(before);
            result
        };
        self.depth -= 1;
        result
    }

    /// Binds a function's body in the scopes of its definition, plus `scope` (its parameters).
    pub(super) fn lambda_body(&mut self, f: &FunctionDef, scope: HashMap<String, Binding>) -> Ty {
        let outer = std::mem::replace(&mut self.scopes, f.scopes.clone());
        self.scopes.push(scope);
        for l in &f.lambda.lets {
            self.let_statement(l);
        }
        let result = match &f.lambda.result {
            Some(r) => self.expr(r, Ctx::none()),
            None => Ty::Scalar(Type::Unknown),
        };
        self.scopes = outer;
        result
    }

    /// Binds a tabular argument: a declared schema must be present in the table passed
    /// (Kusto.Language's KS249) and is what the body is checked against.
    fn tabular_argument(
        &mut self,
        name: &str,
        declared: Option<&[ColumnDecl]>,
        passed: &Columns,
        span: Span,
        scope: &mut HashMap<String, Binding>,
        actual: &mut HashMap<String, Binding>,
    ) {
        let Some(decl) = declared else {
            scope.insert(name.to_string(), Binding::Table(passed.clone()));
            return;
        };
        let missing: Vec<&str> = decl
            .iter()
            .filter(|c| passed.get(&c.name.name).is_none())
            .map(|c| c.name.name.as_str())
            .collect();
        if !missing.is_empty() {
            self.error(
                span,
                format!(
                    "the table passed as `{name}` lacks the column{} {} that the function's parameter declares",
                    if missing.len() == 1 { "" } else { "s" },
                    missing.join(", ")
                ),
            );
        }
        scope.insert(name.to_string(), Binding::Table(declared_columns(Some(decl))));
        actual.insert(name.to_string(), Binding::Table(passed.clone()));
    }
}
