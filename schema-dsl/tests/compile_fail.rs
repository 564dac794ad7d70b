//! Declaration mistakes the compiler catches: each case in `compile_fail/` must fail to
//! build with the error pinned in its `.stderr` file.

#[test]
fn bad_declarations_do_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}
