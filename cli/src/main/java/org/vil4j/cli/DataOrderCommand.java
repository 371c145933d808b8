package org.vil4j.cli;

import org.vil4j.api.Vil4jException;
import org.vil4j.training.data.Augmentation;
import org.vil4j.training.data.BatchLoader;
import org.vil4j.training.data.Normalisation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;

/**
 * Writes the exact data order of a {@code vil train} run, so another framework can train on the same samples in the
 * same order with the same crops and flips (tools/pytorch/train_official.py reads it).
 */
@Command(name = "data-order", mixinStandardHelpOptions = true,
        description = "Write the sample order and crop/flip choices of a training run as int32 little-endian: per "
                + "epoch, the permutation [N] then (shiftY, shiftX, flip) per dataset index [N, 3].")
final class DataOrderCommand implements Callable<Integer> {
    @Option(names = "--samples", defaultValue = "60000", description = "training-set size (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--epochs", required = true, description = "epochs to write")
    int epochs;

    @Option(names = "--seed", defaultValue = "0", description = "the run's --seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--crop-padding", defaultValue = "2", description = "the run's crop padding (default: "
            + "${DEFAULT-VALUE})")
    int padding;

    @Option(names = "--no-flip", description = "the run had no horizontal flip")
    boolean noFlip;

    @Option(names = "--out", required = true, description = "output file")
    Path out;

    @Override
    public Integer call() {
        if (samples < 1 || epochs < 1 || padding < 0) {
            throw new Vil4jException("data-order: --samples and --epochs must be positive and --crop-padding >= 0");
        }
        Augmentation augmentation = new Augmentation(padding, !noFlip, Normalisation.FASHION_MNIST);
        Path temp = out.resolveSibling(out.getFileName() + ".tmp");
        try (OutputStream file = Files.newOutputStream(temp);
             DataOutputStream data = new DataOutputStream(new BufferedOutputStream(file, 1 << 16))) {
            for (int epoch = 0; epoch < epochs; epoch++) {
                for (int index : BatchLoader.epochOrder(samples, true, seed, epoch)) {
                    data.writeInt(Integer.reverseBytes(index));
                }
                for (int i = 0; i < samples; i++) {
                    Augmentation.Choice c = augmentation.choice(seed, epoch, i);
                    data.writeInt(Integer.reverseBytes(c.shiftY()));
                    data.writeInt(Integer.reverseBytes(c.shiftX()));
                    data.writeInt(Integer.reverseBytes(c.flip() ? 1 : 0));
                }
            }
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new Vil4jException("data-order: cannot write " + out + ": " + e.getMessage());
        }
        try {
            Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new Vil4jException("data-order: cannot move the finished file to " + out + ": " + e.getMessage());
        }
        System.out.printf("%s: %d epochs of %d samples, seed %d%n", out, epochs, samples, seed);
        return 0;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the write failed already; that error is the one to report
        }
    }
}
