//! Lua 5.1 read into a syntax tree for the checks to walk.
//!
//! Written here rather than taken from a crate: the checks need Lua 5.1's grammar exactly (as
//! `lparser.c` reads it, which the compiler in [`crate::compiler`] has already accepted), every
//! token with its position, and a plain tree; the one maintained Lua parser crate, `full_moon`,
//! parses many dialects and brings two generations of `syn` and a derive crate into every user's
//! build (~7 s of CPU in a cold build), for none of which the checks have a use.

pub(crate) mod ast;
pub(crate) mod node;
mod parser;
pub(crate) mod tokenizer;
pub(crate) mod visitors;

pub(crate) use parser::parse;

#[cfg(test)]
mod tests {
    use super::ast::*;
    use super::node::Node;
    use proptest::prelude::*;

    /// The expression `return`ed by `source`, fully parenthesized.
    fn shape(source: &str) -> String {
        let ast = super::parse(source).unwrap();
        let Some(LastStmt::Return(ret)) = ast.nodes().last_stmt() else {
            panic!("no return");
        };
        grouped(ret.returns().iter().next().unwrap())
    }

    fn grouped(expression: &Expression) -> String {
        match expression {
            Expression::BinaryOperator { lhs, binop, rhs } => format!(
                "({} {} {})",
                grouped(lhs),
                binop.token().token(),
                grouped(rhs)
            ),
            Expression::UnaryOperator { unop, expression } => {
                format!("({} {})", unop.token().token(), grouped(expression))
            }
            other => other.to_string().trim().to_owned(),
        }
    }

    #[test]
    fn operators_bind_as_in_lua_51() {
        assert_eq!(
            shape("return 1 + 2 * 3 ^ -4 ^ 2 .. 'a' .. b == c and not d or e"),
            "(((((1 + (2 * (3 ^ (- (4 ^ 2))))) .. ('a' .. b)) == c) and (not d)) or e)"
        );
        assert_eq!(shape("return a - b - c < d"), "(((a - b) - c) < d)");
        assert_eq!(shape("return -x ^ 2 % #t"), "((- (x ^ 2)) % (# t))");
    }

    #[test]
    fn suffixes_end_in_a_call_or_an_index() {
        let ast =
            super::parse("local x = (a).b[c]:d 'e' { f = 1; [g] = 2, 3 }.h\nprint(x)").unwrap();
        let Some(Stmt::LocalAssignment(local)) = ast.nodes().stmts().next() else {
            panic!("no local");
        };
        let Some(Expression::Var(Var::Expression(var))) = local.expressions().iter().next() else {
            panic!("not an index");
        };
        assert!(matches!(var.prefix(), Prefix::Expression(_)));
        let kinds: Vec<&str> = var
            .suffixes()
            .map(|suffix| match suffix {
                Suffix::Index(Index::Dot { .. }) => "dot",
                Suffix::Index(Index::Brackets { .. }) => "brackets",
                Suffix::Call(Call::MethodCall(_)) => "method",
                Suffix::Call(Call::AnonymousCall(_)) => "call",
            })
            .collect();
        assert_eq!(kinds, ["dot", "brackets", "method", "call", "dot"]);
        assert_eq!(
            local.expressions().iter().next().unwrap().to_string(),
            "(a).b[c]:d 'e' { f = 1; [g] = 2, 3 }.h"
        );
        let print = ast.nodes().stmts().nth(1).unwrap();
        assert_eq!(
            print.start_position().map(|p| (p.line(), p.character())),
            Some((2, 1))
        );
    }

    #[test]
    fn every_statement_of_lua_51() {
        let source = "local function f(a, ...) return ... end\n\
            function t.a.b:c(x) end\n\
            a, b[1] = 1, 2; f(1)\n\
            do end while x do break end repeat local y until y\n\
            if a then elseif b then else end\n\
            for i = 1, 10, 2 do end for k, v in pairs(t) do end\n\
            return";
        let ast = super::parse(source).unwrap();
        assert_eq!(ast.nodes().stmts().count(), 10);
        assert_eq!(ast.nodes().to_string(), source);
    }

    #[test]
    fn tokens_come_in_source_order() {
        let ast = super::parse(
            "local t = {a[1], [k] = f(x)[2]:m{y}, g'z'}\nfor i = 1, #t do t[i] = (t[i] .. 'x') end",
        )
        .unwrap();
        let starts: Vec<usize> = ast
            .nodes()
            .tokens()
            .map(|t| t.token().start_position().bytes())
            .collect();
        assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
        assert_eq!(
            ast.nodes().start_position().map(|p| p.bytes()),
            starts.first().copied()
        );
    }

    #[test]
    fn what_the_compiler_accepts_has_a_tree() {
        for source in [
            "local s = 'a\\\r\nb'\nredis.call('GETT', KEYS[1])",
            "local s = \"a\\\n\rb\"\nreturn s",
            "local a = 3. + .5 + 1e+5 + 0xA + 0x1p4\x0Breturn a\x0C",
            "return ('x'):rep(3), f{1}, f'y', a.b.c:d(), - -1, not not x, -2^-2;",
            "--[==[ long\n comment ]==] local goto = 1 -- comment\rreturn goto",
            "",
        ] {
            assert!(crate::syntax::compile(source).is_ok(), "{source:?}");
            assert!(super::parse(source).is_ok(), "{source:?}");
        }
    }

    #[test]
    fn what_lua_51_refuses_is_an_error() {
        for source in [
            "x",
            "a.b",
            "local",
            "f(",
            "return return",
            "a = ",
            "goto l",
            "x // y",
        ] {
            assert!(super::parse(source).is_err(), "{source}");
        }
    }

    proptest! {
        /// Any text gives a tree or an error, never a panic.
        #[test]
        fn never_panics(source in "[a-z0-9 .,:;=~<>+*/%^#(){}\\[\\]'\"\\\\\n-]{0,80}") {
            let _ = super::parse(&source);
        }
    }
}
