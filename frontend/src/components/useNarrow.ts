// Whether the window is phone-narrow (a certificate's QR code opens the public lookup on a phone):
// pages lay out in one column then. Follows the window as it changes.
import { onBeforeUnmount, ref } from 'vue';

export function useNarrow(maxWidth = 640) {
  const query = typeof window !== 'undefined' && window.matchMedia ? window.matchMedia(`(max-width: ${maxWidth}px)`) : null;
  const narrow = ref(query?.matches ?? false);
  const update = (event: MediaQueryListEvent): void => {
    narrow.value = event.matches;
  };
  query?.addEventListener('change', update);
  onBeforeUnmount(() => query?.removeEventListener('change', update));
  return narrow;
}
