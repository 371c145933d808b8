package org.vil4j.segmentation;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Pictures of a predicted label map a person can look at: a colour mask (one fixed colour a class; a class named
 * "background" is black) and an overlay (the image with the mask blended in at half strength, background left as
 * it is), both at the image's own size (the map is scaled by nearest neighbour).
 */
public final class SegmentationPictures {
    private SegmentationPictures() {
    }

    /** Class c's colour as 0xRRGGBB: golden-angle hues, alternating brightness, so neighbours in index differ. */
    public static int colour(int c, List<String> names) {
        if (c < names.size() && names.get(c).equals("background")) {
            return 0x000000;
        }
        float hue = (float) ((c * 0.618033988749895) % 1.0);
        float brightness = c % 2 == 0 ? 0.95f : 0.7f;
        return java.awt.Color.HSBtoRGB(hue, 0.85f, brightness) & 0xFFFFFF;
    }

    /** The map ({@code side x side}, row-major) as colours at width x height. */
    public static BufferedImage mask(int[] map, int mapHeight, int mapWidth, int width, int height,
                                     List<String> names) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            int my = Math.min(mapHeight - 1, (int) ((y + 0.5) * mapHeight / height));
            for (int x = 0; x < width; x++) {
                int mx = Math.min(mapWidth - 1, (int) ((x + 0.5) * mapWidth / width));
                out.setRGB(x, y, colour(map[my * mapWidth + mx], names));
            }
        }
        return out;
    }

    /** The image with the mask's colours blended in at half strength where the class is not background. */
    public static BufferedImage overlay(BufferedImage image, int[] map, int mapHeight, int mapWidth,
                                        List<String> names) {
        int width = image.getWidth(), height = image.getHeight();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            int my = Math.min(mapHeight - 1, (int) ((y + 0.5) * mapHeight / height));
            for (int x = 0; x < width; x++) {
                int mx = Math.min(mapWidth - 1, (int) ((x + 0.5) * mapWidth / width));
                int c = map[my * mapWidth + mx];
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                if (!(c < names.size() && names.get(c).equals("background"))) {
                    int k = colour(c, names);
                    rgb = blend(rgb >> 16 & 0xFF, k >> 16 & 0xFF) << 16 | blend(rgb >> 8 & 0xFF, k >> 8 & 0xFF) << 8
                            | blend(rgb & 0xFF, k & 0xFF);
                }
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    private static int blend(int a, int b) {
        return (a + b + 1) / 2;
    }
}
