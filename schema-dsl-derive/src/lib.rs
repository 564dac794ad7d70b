//! `#[derive(Table)]` for `schema-dsl`.
//!
//! Struct attributes: `#[table(name = "…", partition_by_month = column)]` (the partitioning is
//! optional), any number of
//! `#[index(name = "…", columns(a, b), unique, method = Gin)]` and
//! `#[foreign_key(columns(a), references = Other, ref_columns(b), on_delete = Cascade, name = "…")]`
//! and `#[check(name = "…", column = a, between(0, 10) | one_of("x", "y") | not_empty)]`.
//! Field attribute: `#[column(primary_key, unique, auto_increment, max_len = N, json_size = Small,
//! default = now | "text" | 1 | true)]`.
//!
//! Besides `schema_dsl::Table`, the derive generates `FooColumns` (a `schema_dsl::Column<Foo>`
//! per field, with the struct's visibility) and `Foo::COLUMNS`, so migration steps name a
//! column of a table through a field access the compiler checks.
//!
//! Every column an index or foreign key names becomes a field access in the generated code,
//! so a misspelt column is a compile error pointing at the attribute.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{quote, quote_spanned};
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Error, Expr, ExprLit, ExprUnary, Fields, Ident, Lit, LitStr, Path, Result,
    Token, UnOp, parse_macro_input,
};

/// Derives `schema_dsl::Table` for a struct with named fields.
#[proc_macro_derive(Table, attributes(table, column, index, foreign_key, check))]
pub fn derive_table(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

struct IndexAttr {
    name: LitStr,
    columns: Vec<Ident>,
    unique: bool,
    method: Option<Ident>,
}

struct ForeignKeyAttr {
    name: Option<LitStr>,
    columns: Vec<Ident>,
    references: Path,
    ref_columns: Vec<Ident>,
    on_delete: Option<Ident>,
    on_update: Option<Ident>,
}

struct CheckAttr {
    name: LitStr,
    column: Ident,
    condition: TokenStream2,
}

#[derive(Default)]
struct ColumnAttr {
    primary_key: bool,
    unique: bool,
    auto_increment: bool,
    max_len: Option<Expr>,
    json_size: Option<Ident>,
    default: Option<Expr>,
}

fn expand(input: &DeriveInput) -> Result<TokenStream2> {
    let Data::Struct(data) = &input.data else {
        return Err(Error::new(input.span(), "#[derive(Table)] needs a struct"));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(Error::new(
            input.span(),
            "#[derive(Table)] needs a struct with named fields",
        ));
    };

    let mut table_name = None;
    let mut partition_column: Option<Ident> = None;
    let mut indexes = Vec::new();
    let mut foreign_keys = Vec::new();
    let mut checks = Vec::new();
    for attr in &input.attrs {
        if attr.path().is_ident("table") {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("name") {
                    table_name = Some(meta.value()?.parse::<LitStr>()?);
                    Ok(())
                } else if meta.path.is_ident("partition_by_month") {
                    partition_column = Some(meta.value()?.parse::<Ident>()?);
                    Ok(())
                } else {
                    Err(meta.error("expected `name = \"…\"` or `partition_by_month = column`"))
                }
            })?;
        } else if attr.path().is_ident("index") {
            indexes.push(parse_index(attr)?);
        } else if attr.path().is_ident("foreign_key") {
            foreign_keys.push(parse_foreign_key(attr)?);
        } else if attr.path().is_ident("check") {
            checks.push(parse_check(attr)?);
        }
    }
    let table_name = table_name.ok_or_else(|| {
        Error::new(
            input.ident.span(),
            "missing #[table(name = \"…\")] on a #[derive(Table)] struct",
        )
    })?;

    let mut columns = Vec::new();
    for field in &fields.named {
        let mut column = ColumnAttr::default();
        for attr in field.attrs.iter().filter(|a| a.path().is_ident("column")) {
            attr.parse_nested_meta(|meta| parse_column_option(&mut column, &meta))?;
        }
        columns.push(column_tokens(field, &column)?);
    }

    let self_checks = indexes
        .iter()
        .flat_map(|index| &index.columns)
        .chain(foreign_keys.iter().flat_map(|fk| &fk.columns))
        .chain(&partition_column)
        .chain(checks.iter().map(|check| &check.column))
        .map(|column| field_check(&quote!(Self), column));
    let target_checks = foreign_keys.iter().flat_map(|fk| {
        let target = &fk.references;
        fk.ref_columns
            .iter()
            .map(move |column| field_check(&quote!(#target), column))
    });
    let index_tokens = indexes.iter().map(index_tokens);
    let fk_tokens = foreign_keys
        .iter()
        .map(|fk| foreign_key_tokens(fk, &table_name));

    let check_tokens = checks.iter().map(|check| {
        let CheckAttr {
            name,
            column,
            condition,
        } = check;
        let column = LitStr::new(&column.to_string(), column.span());
        quote!(::schema_dsl::CheckDef::new(#name, #column, #condition))
    });

    let partitioning = partition_column.iter().map(|column| {
        let column = LitStr::new(&column.to_string(), column.span());
        quote!(::schema_dsl::Partitioning::monthly(#column))
    });

    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let column_handles = column_handles(input, &fields.named)?;
    Ok(quote! {
        #column_handles

        impl #impl_generics ::schema_dsl::Table for #ident #ty_generics #where_clause {
            const NAME: &'static str = #table_name;

            fn definition() -> ::schema_dsl::TableDef {
                #(#self_checks)*
                #(#target_checks)*
                ::schema_dsl::TableDef::new(#table_name)
                    #(.column(#columns))*
                    #(.foreign_key(#fk_tokens))*
                    #(.index(#index_tokens))*
                    #(.check(#check_tokens))*
                    #(.partitioned(#partitioning))*
            }
        }
    })
}

/// `FooColumns` (one `Column<Foo>` per field, with the struct's visibility) and
/// `Foo::COLUMNS`, its value: the typed handles migration steps name columns with.
fn column_handles(
    input: &DeriveInput,
    fields: &Punctuated<syn::Field, Token![,]>,
) -> Result<TokenStream2> {
    let ident = &input.ident;
    let vis = &input.vis;
    let generics = &input.generics;
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let columns_ident = Ident::new(&format!("{ident}Columns"), ident.span());
    let struct_doc = format!(" The columns of [`{ident}`], as typed handles for migration steps.");

    let mut field_decls = Vec::new();
    let mut field_values = Vec::new();
    for field in fields {
        let Some(field_ident) = &field.ident else {
            return Err(Error::new(field.span(), "a column needs a named field"));
        };
        let name = column_name(field_ident);
        let field_doc = format!(" The `{}` column.", name.value());
        field_decls.push(quote! {
            #[doc = #field_doc]
            pub #field_ident: ::schema_dsl::Column<#ident #ty_generics>
        });
        field_values.push(quote!(#field_ident: ::schema_dsl::Column::new(#name)));
    }

    Ok(quote! {
        #[doc = #struct_doc]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis struct #columns_ident #generics #where_clause {
            #(#field_decls,)*
        }

        impl #impl_generics #ident #ty_generics #where_clause {
            /// The table's columns, as typed handles.
            pub const COLUMNS: #columns_ident #ty_generics = #columns_ident {
                #(#field_values,)*
            };
        }
    })
}

/// A column's SQL name: the field's name.
fn column_name(field: &Ident) -> LitStr {
    LitStr::new(&field.to_string(), field.span())
}

/// A field access that fails to compile, at the column's span, when `ty` has no such field.
fn field_check(ty: &TokenStream2, column: &Ident) -> TokenStream2 {
    quote_spanned! {column.span()=> let _ = |row: &#ty| { let _ = &row.#column; }; }
}

fn parse_idents(meta: &ParseNestedMeta) -> Result<Vec<Ident>> {
    let content;
    syn::parenthesized!(content in meta.input);
    let idents = Punctuated::<Ident, Token![,]>::parse_terminated(&content)?;
    Ok(idents.into_iter().collect())
}

fn parse_index(attr: &syn::Attribute) -> Result<IndexAttr> {
    let mut name = None;
    let mut columns = Vec::new();
    let mut unique = false;
    let mut method = None;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("name") {
            name = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("columns") {
            columns = parse_idents(&meta)?;
        } else if meta.path.is_ident("unique") {
            unique = true;
        } else if meta.path.is_ident("method") {
            method = Some(meta.value()?.parse()?);
        } else {
            return Err(meta.error("expected `name`, `columns(…)`, `unique` or `method`"));
        }
        Ok(())
    })?;
    let name = name.ok_or_else(|| Error::new(attr.span(), "index needs `name = \"…\"`"))?;
    Ok(IndexAttr {
        name,
        columns,
        unique,
        method,
    })
}

fn parse_foreign_key(attr: &syn::Attribute) -> Result<ForeignKeyAttr> {
    let mut name = None;
    let mut columns = Vec::new();
    let mut references = None;
    let mut ref_columns = Vec::new();
    let mut on_delete = None;
    let mut on_update = None;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("name") {
            name = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("columns") {
            columns = parse_idents(&meta)?;
        } else if meta.path.is_ident("references") {
            references = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("ref_columns") {
            ref_columns = parse_idents(&meta)?;
        } else if meta.path.is_ident("on_delete") {
            on_delete = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("on_update") {
            on_update = Some(meta.value()?.parse()?);
        } else {
            return Err(meta.error(
                "expected `name`, `columns(…)`, `references`, `ref_columns(…)`, `on_delete` or `on_update`",
            ));
        }
        Ok(())
    })?;
    let references = references
        .ok_or_else(|| Error::new(attr.span(), "foreign key needs `references = TargetTable`"))?;
    Ok(ForeignKeyAttr {
        name,
        columns,
        references,
        ref_columns,
        on_delete,
        on_update,
    })
}

fn parse_check(attr: &syn::Attribute) -> Result<CheckAttr> {
    let mut name = None;
    let mut column = None;
    let mut condition = None;
    attr.parse_nested_meta(|meta| {
        if meta.path.is_ident("name") {
            name = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("column") {
            column = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("between") {
            let content;
            syn::parenthesized!(content in meta.input);
            let bounds = Punctuated::<Expr, Token![,]>::parse_terminated(&content)?;
            let [min, max] = [0, 1].map(|at| bounds.get(at).map(integer_literal));
            let (Some(min), Some(max), 2) = (min, max, bounds.len()) else {
                return Err(meta.error("expected `between(min, max)`"));
            };
            let (min, max) = (min?, max?);
            condition = Some(quote!(::schema_dsl::CheckCondition::Between { min: #min, max: #max }));
        } else if meta.path.is_ident("one_of") {
            let content;
            syn::parenthesized!(content in meta.input);
            let values = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
            let values = values.iter();
            condition = Some(quote!(::schema_dsl::CheckCondition::OneOf(
                ::std::vec![#(::std::string::String::from(#values)),*]
            )));
        } else if meta.path.is_ident("not_empty") {
            condition = Some(quote!(::schema_dsl::CheckCondition::NotEmpty));
        } else {
            return Err(meta.error(
                "expected `name = \"…\"`, `column = …`, `between(min, max)`, `one_of(\"…\", …)` or `not_empty`",
            ));
        }
        Ok(())
    })?;
    let missing = |what: &str| Error::new(attr.span(), format!("check needs {what}"));
    Ok(CheckAttr {
        name: name.ok_or_else(|| missing("`name = \"…\"`"))?,
        column: column.ok_or_else(|| missing("`column = …`"))?,
        condition: condition.ok_or_else(|| {
            missing("a condition: `between(min, max)`, `one_of(\"…\", …)` or `not_empty`")
        })?,
    })
}

/// An integer literal, possibly negative, as an `i64`.
fn integer_literal(expr: &Expr) -> Result<i64> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Int(value),
            ..
        }) => value.base10_parse(),
        Expr::Unary(ExprUnary {
            op: UnOp::Neg(_),
            expr: inner,
            ..
        }) => match inner.as_ref() {
            Expr::Lit(ExprLit {
                lit: Lit::Int(value),
                ..
            }) => value
                .base10_parse::<i64>()?
                .checked_neg()
                .ok_or_else(|| Error::new(value.span(), "integer out of range")),
            _ => Err(Error::new(expr.span(), "expected an integer literal")),
        },
        _ => Err(Error::new(expr.span(), "expected an integer literal")),
    }
}

fn parse_column_option(column: &mut ColumnAttr, meta: &ParseNestedMeta) -> Result<()> {
    if meta.path.is_ident("primary_key") {
        column.primary_key = true;
    } else if meta.path.is_ident("unique") {
        column.unique = true;
    } else if meta.path.is_ident("auto_increment") {
        column.auto_increment = true;
    } else if meta.path.is_ident("max_len") {
        column.max_len = Some(meta.value()?.parse()?);
    } else if meta.path.is_ident("json_size") {
        column.json_size = Some(meta.value()?.parse()?);
    } else if meta.path.is_ident("default") {
        column.default = Some(meta.value()?.parse()?);
    } else {
        return Err(meta.error(
            "expected `primary_key`, `unique`, `auto_increment`, `max_len = N`, `json_size = Small|Large` or `default = …`",
        ));
    }
    Ok(())
}

fn column_tokens(field: &syn::Field, column: &ColumnAttr) -> Result<TokenStream2> {
    let Some(ident) = &field.ident else {
        return Err(Error::new(field.span(), "a column needs a named field"));
    };
    let name = column_name(ident);
    let ty = &field.ty;
    let column_type = match (&column.max_len, &column.json_size) {
        (Some(_), Some(size)) => {
            return Err(Error::new(
                size.span(),
                "a column takes `max_len` (text) or `json_size` (JSON), not both",
            ));
        }
        (Some(max_len), None) => quote_spanned! {max_len.span()=>
            <#ty as ::schema_dsl::TextType>::with_max_len(#max_len)
        },
        (None, Some(size)) => quote_spanned! {size.span()=>
            <#ty as ::schema_dsl::JsonType>::with_size(::schema_dsl::JsonSize::#size)
        },
        (None, None) => quote_spanned! {ty.span()=> <#ty as ::schema_dsl::SqlType>::column_type() },
    };
    let mut tokens = quote! {
        ::schema_dsl::ColumnDef::new(#name, #column_type)
            .nullable(<#ty as ::schema_dsl::SqlType>::NULLABLE)
    };
    if column.primary_key {
        tokens.extend(quote!(.primary_key()));
    }
    if column.unique {
        tokens.extend(quote!(.unique()));
    }
    if column.auto_increment {
        tokens.extend(quote!(.auto_increment()));
    }
    if let Some(default) = &column.default {
        let value = default_tokens(default)?;
        tokens.extend(quote!(.default(#value)));
    }
    Ok(tokens)
}

fn default_tokens(expr: &Expr) -> Result<TokenStream2> {
    match expr {
        Expr::Path(path) if path.path.is_ident("now") => {
            Ok(quote!(::schema_dsl::DefaultValue::Now))
        }
        Expr::Lit(ExprLit {
            lit: Lit::Str(text),
            ..
        }) => Ok(quote!(::schema_dsl::DefaultValue::Text(::std::string::String::from(#text)))),
        Expr::Lit(ExprLit {
            lit: Lit::Int(_), ..
        })
        | Expr::Unary(ExprUnary {
            op: UnOp::Neg(_), ..
        }) => {
            let value = integer_literal(expr).map_err(|_| default_error(expr.span()))?;
            Ok(quote!(::schema_dsl::DefaultValue::Integer(#value)))
        }
        Expr::Lit(ExprLit {
            lit: Lit::Bool(value),
            ..
        }) => Ok(quote!(::schema_dsl::DefaultValue::Boolean(#value))),
        _ => Err(default_error(expr.span())),
    }
}

fn default_error(span: Span) -> Error {
    Error::new(
        span,
        "a default is `now`, a string literal, an integer literal or `true`/`false`",
    )
}

fn index_tokens(index: &IndexAttr) -> TokenStream2 {
    let IndexAttr {
        name,
        columns,
        unique,
        method,
    } = index;
    let columns = columns
        .iter()
        .map(|c| LitStr::new(&c.to_string(), c.span()));
    let method = match method {
        Some(method) => quote!(::schema_dsl::IndexMethod::#method),
        None => quote!(::schema_dsl::IndexMethod::BTree),
    };
    quote! {
        ::schema_dsl::IndexDef {
            name: ::std::string::String::from(#name),
            columns: ::std::vec![#(::std::string::String::from(#columns)),*],
            unique: #unique,
            method: #method,
        }
    }
}

fn foreign_key_tokens(fk: &ForeignKeyAttr, table_name: &LitStr) -> TokenStream2 {
    let name = fk.name.clone().unwrap_or_else(|| {
        let columns: Vec<String> = fk.columns.iter().map(Ident::to_string).collect();
        LitStr::new(
            &format!("fk_{}_{}", table_name.value(), columns.join("_")),
            table_name.span(),
        )
    });
    let columns = fk
        .columns
        .iter()
        .map(|c| LitStr::new(&c.to_string(), c.span()));
    let ref_columns = fk
        .ref_columns
        .iter()
        .map(|c| LitStr::new(&c.to_string(), c.span()));
    let references = &fk.references;
    let action = |action: &Option<Ident>| match action {
        Some(action) => quote!(::schema_dsl::ForeignKeyAction::#action),
        None => quote!(::schema_dsl::ForeignKeyAction::NoAction),
    };
    let on_delete = action(&fk.on_delete);
    let on_update = action(&fk.on_update);
    quote! {
        ::schema_dsl::ForeignKeyDef {
            name: ::std::string::String::from(#name),
            columns: ::std::vec![#(::std::string::String::from(#columns)),*],
            ref_table: ::std::string::String::from(<#references as ::schema_dsl::Table>::NAME),
            ref_columns: ::std::vec![#(::std::string::String::from(#ref_columns)),*],
            on_delete: #on_delete,
            on_update: #on_update,
        }
    }
}
