/**
 * One entry for every field of `T`, and for nothing else. A record rather than
 * a list because the compiler checks an object literal both ways: a field of
 * `T` left out is "Property 'x' is missing", a name `T` lacks is "Object
 * literal may only specify known properties". The values carry nothing.
 */
export type EveryKeyOf<T> = Record<keyof T, true>;

/**
 * The option names an interface declares, as the list `OptionRules.knownKeys`
 * accepts, tied to the interface at compile time: adding a field to `T`
 * without listing it here (or listing one `T` lacks) does not compile, so the
 * unknown-key check cannot drift from the types users write. Keys come back in
 * the order written, which is the order error messages suggest them in.
 */
export function keysOf<T>(keys: EveryKeyOf<T>): readonly (keyof T & string)[] {
  return Object.keys(keys) as (keyof T & string)[];
}
