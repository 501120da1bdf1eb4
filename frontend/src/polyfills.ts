// Runtime methods newer than the build target (chrome87/edge88; see vite.config.ts): Vite lowers
// syntax but adds no polyfills. Element Plus calls Array.prototype.at (Chrome 92+) in its cascader
// and tree; define it where missing, as the standard does.
export function at<T>(this: ArrayLike<T>, index: number): T | undefined {
  const length = this.length;
  const i = Math.trunc(index) || 0;
  const k = i < 0 ? length + i : i;
  return k < 0 || k >= length ? undefined : this[k];
}

/** Adds `at` to a prototype that lacks it; true when it did. */
export function installAt(proto: object): boolean {
  if ('at' in proto) return false;
  Object.defineProperty(proto, 'at', { value: at, writable: true, configurable: true });
  return true;
}

installAt(Array.prototype);
installAt(String.prototype);
