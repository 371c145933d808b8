package org.vil4j.training.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CMYK JPEGs as Photoshop writes them (Adobe marker, YCCK: inverted CMY as YCbCr, plus K) decode, in colour: the
 * JDK's own reader refuses them ("Unsupported Image Type"); TwelveMonkeys' plugin reads them.
 */
class CmykJpegTest {
    @TempDir
    Path dir;

    /** 32x16 Adobe YCCK JPEG: left half no ink (white), right half full CMY ink (black). */
    private Path adobeYcck() throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 32, 16, 4, null);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 32; x++) {
                // Y of the inverted CMY (255: no ink), neutral chroma, inverted K (255: no black ink)
                raster.setPixel(x, y, new int[]{x < 16 ? 255 : 0, 128, 128, 255});
            }
        }
        Path plain = dir.resolve("plain.jpg");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(plain.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }
        byte[] jpeg = Files.readAllBytes(plain);
        // APP14 "Adobe", transform 1: the components are YCCK
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 1};
        byte[] out = new byte[jpeg.length + app14.length];
        System.arraycopy(jpeg, 0, out, 0, 2);
        System.arraycopy(app14, 0, out, 2, app14.length);
        System.arraycopy(jpeg, 2, out, 2 + app14.length, jpeg.length - 2);
        Path file = dir.resolve("cmyk.jpg");
        Files.write(file, out);
        return file;
    }

    private static int brightness(int rgb) {
        return ((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF);
    }

    @Test
    void anAdobeYcckJpegDecodesWithItsColours() throws IOException {
        BufferedImage image = ImagePreprocessing.decode(adobeYcck());
        assertThat(image.getWidth()).isEqualTo(32);
        assertThat(brightness(image.getRGB(4, 8))).as("no ink").isGreaterThan(3 * 240);
        assertThat(brightness(image.getRGB(28, 8))).as("full ink").isLessThan(3 * 60);
    }
}
