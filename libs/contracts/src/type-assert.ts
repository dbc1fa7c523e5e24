/**
 * `true` only when A and B are the same union. Used as
 * `const _x: SameUnion<A, B> = true` so a list constant that misses a member
 * of its union breaks the build.
 */
export type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
