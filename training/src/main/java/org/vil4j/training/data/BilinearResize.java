package org.vil4j.training.data;

/**
 * Bilinear resizing of one float plane with pixel centres aligned (PyTorch's {@code align_corners=False}), without
 * antialiasing: adequate for training inputs, and the identity when the size does not change.
 */
final class BilinearResize {
    private BilinearResize() {
    }

    static void plane(float[] source, int sourceOffset, int sourceHeight, int sourceWidth, float[] target,
                      int targetOffset, int targetHeight, int targetWidth) {
        float scaleY = (float) sourceHeight / targetHeight;
        float scaleX = (float) sourceWidth / targetWidth;
        for (int y = 0; y < targetHeight; y++) {
            float sourceY = clamp((y + 0.5f) * scaleY - 0.5f, sourceHeight - 1);
            int top = (int) sourceY;
            int bottom = Math.min(top + 1, sourceHeight - 1);
            float down = sourceY - top;
            for (int x = 0; x < targetWidth; x++) {
                float sourceX = clamp((x + 0.5f) * scaleX - 0.5f, sourceWidth - 1);
                int left = (int) sourceX;
                int right = Math.min(left + 1, sourceWidth - 1);
                float across = sourceX - left;
                float upper = lerp(source[sourceOffset + top * sourceWidth + left],
                        source[sourceOffset + top * sourceWidth + right], across);
                float lower = lerp(source[sourceOffset + bottom * sourceWidth + left],
                        source[sourceOffset + bottom * sourceWidth + right], across);
                target[targetOffset + y * targetWidth + x] = lerp(upper, lower, down);
            }
        }
    }

    private static float clamp(float value, int maximum) {
        return Math.max(0f, Math.min(value, maximum));
    }

    private static float lerp(float from, float to, float fraction) {
        return fraction == 0f ? from : from + (to - from) * fraction;
    }
}
