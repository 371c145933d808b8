package org.vil4j.cli;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import javax.imageio.ImageIO;
import org.vil4j.api.Vil4jException;

/**
 * Files the commands write (configs, tables, plots) appear whole or not at all: written to a temporary file beside
 * the target, then moved over it, so an interrupted run never leaves half a file where an old one was.
 */
final class AtomicFiles {
    private AtomicFiles() {
    }

    /** What fills the temporary file. */
    private interface Writer {
        void writeTo(Path tmp) throws IOException;
    }

    static void writeString(Path file, String text) {
        write(file, tmp -> Files.writeString(tmp, text));
    }

    static void writePng(Path file, BufferedImage image) {
        write(file, tmp -> {
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new Vil4jException("no PNG writer in this JVM");
            }
        });
    }

    private static void write(Path file, Writer writer) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
            try {
                writer.writeTo(tmp);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new Vil4jException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
