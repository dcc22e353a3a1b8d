//! What Redis refuses only when a registered function runs: the globals scripts have and functions
//! lack, and `redis.register_function`, which only the load run has.

use crate::lua::ast::{
    Call, FunctionBody, FunctionCall, LocalAssignment, LocalFunction, Parameter, Prefix, Suffix,
    Var,
};
use crate::lua::tokenizer::TokenReference;
use crate::lua::visitors::Visitor;

use crate::calls::{identifier, index_name, line_of};
use crate::{Kind, Problem};

/// What Redis refuses only when a function runs: `KEYS` and `ARGV`, which functions do not have, and
/// `redis.register_function`, which only the load run has.
#[derive(Debug, Default)]
pub(super) struct Walk {
    /// How many function bodies enclose the node visited.
    depth: usize,
    /// Names declared as locals or parameters somewhere: `KEYS` or `ARGV` among them are the code's own.
    locals: Vec<String>,
    pub(super) problems: Vec<Problem>,
}

impl Visitor for Walk {
    fn visit_function_body(&mut self, body: &FunctionBody) {
        self.depth += 1;
        for parameter in body.parameters() {
            if let Parameter::Name(name) = parameter
                && let Some(name) = identifier(name)
            {
                self.locals.push(name.to_owned());
            }
        }
    }

    fn visit_function_body_end(&mut self, _: &FunctionBody) {
        self.depth = self.depth.saturating_sub(1);
    }

    fn visit_local_function(&mut self, function: &LocalFunction) {
        if let Some(name) = identifier(function.name()) {
            self.locals.push(name.to_owned());
        }
    }

    fn visit_local_assignment(&mut self, assignment: &LocalAssignment) {
        for name in assignment.names() {
            if let Some(name) = identifier(name) {
                self.locals.push(name.to_owned());
            }
        }
    }

    fn visit_var(&mut self, var: &Var) {
        match var {
            Var::Name(name) => self.global_use(name),
            Var::Expression(var) => {
                if let Prefix::Name(prefix) = var.prefix() {
                    self.global_use(prefix);
                }
            }
        }
    }

    fn visit_function_call(&mut self, call: &FunctionCall) {
        let Prefix::Name(prefix) = call.prefix() else {
            return;
        };
        let mut suffixes = call.suffixes();
        let registers = identifier(prefix) == Some("redis")
            && suffixes.next().and_then(index_name) == Some("register_function")
            && matches!(suffixes.next(), Some(Suffix::Call(Call::AnonymousCall(_))));
        if registers && self.depth > 0 {
            let line = line_of(prefix);
            self.problems.push(Problem::new(
                Kind::Command,
                Some(line),
                "redis.register_function runs only while the library loads, not \
                     inside a function (Redis: \"attempt to call field 'register_function' (a nil \
                     value)\"); call it at the top level"
                    .to_owned(),
            ));
        }
    }
}

impl Walk {
    /// `KEYS` or `ARGV` inside a function, which scripts have and functions do not, unless the code
    /// declares its own. (Outside functions, the load run finds them.)
    fn global_use(&mut self, name: &TokenReference) {
        let Some(global @ ("KEYS" | "ARGV")) = identifier(name) else {
            return;
        };
        if self.depth == 0 || self.locals.iter().any(|local| local == global) {
            return;
        }
        let line = line_of(name);
        let parameters = if global == "KEYS" {
            "keys, args"
        } else {
            "keys, argv"
        };
        self.problems.push(Problem::new(
            Kind::Command,
            Some(line),
            format!(
                "a function has no global {global} (Redis: \"Script attempted to access \
                 nonexistent global variable '{global}'\"); it gets its keys and arguments as \
                 parameters: function({parameters}) ... end"
            ),
        ));
    }
}
