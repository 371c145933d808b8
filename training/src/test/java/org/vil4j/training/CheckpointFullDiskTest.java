package org.vil4j.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.vil4j.api.HostTensor;
import org.vil4j.api.Ops;
import org.vil4j.api.Plugins;
import org.vil4j.api.Vil4jException;
import org.vil4j.vil.VilConfig;
import org.vil4j.vil.VilInitializer;

/**
 * A disk that fills up during a checkpoint write: the write fails with one line naming the file, the previous
 * checkpoint survives intact, and no temporary file is left. The disk is an in-memory file system (Jimfs) whose size
 * holds one checkpoint and a half, so the second write runs out of space ("out of disk space" IOException).
 */
class CheckpointFullDiskTest {
    private static final Plugins PLUGINS = Plugins.discover();

    @Test
    void aFullDiskKeepsThePreviousCheckpoint() throws IOException {
        SyntheticData train = new SyntheticData(16, 8, 4, 8, 1);
        SyntheticData test = new SyntheticData(8, 8, 4, 8, 2);
        VilConfig config = TrainerTest.tinyConfig();
        Map<String, HostTensor> init = VilInitializer.initialize(config, 3);
        try (Ops ops = PLUGINS.backend("java").open(null)) {
            Trainer probe = new Trainer(ops, PLUGINS, config, TrainerTest.settings(2, 2e-3, 0), init, "init");
            long size;
            try (FileSystem roomy = Jimfs.newFileSystem(Configuration.unix())) {
                Path file = roomy.getPath("/probe.safetensors");
                probe.writeCheckpoint(file);
                size = Files.size(file);
            }
            Configuration small = Configuration.unix().toBuilder().setBlockSize(512)
                    .setMaxSize((size * 3 / 2 + 511) / 512 * 512).build();
            try (FileSystem disk = Jimfs.newFileSystem(small)) {
                Path checkpoint = disk.getPath("/run/checkpoint.safetensors");
                Trainer trainer = new Trainer(ops, PLUGINS, config, TrainerTest.settings(2, 2e-3, 0), init, "init");

                assertThatThrownBy(() -> trainer.run(train, test, checkpoint, new Trainer.Listener() { }))
                        .isInstanceOf(Vil4jException.class).hasMessageContaining(checkpoint.toString())
                        .hasMessageContaining("out of disk space")
                        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));

                TrainingCheckpoint kept = TrainingCheckpoint.read(checkpoint);
                assertThat(kept.epochsDone()).isEqualTo(1);
                assertThat(kept.tensors().keySet()).contains("param.head.weight", "param.pos_embed.embed");
                try (Stream<Path> files = Files.list(checkpoint.getParent())) {
                    assertThat(files.map(p -> p.getFileName().toString())).containsExactly("checkpoint.safetensors");
                }
            }
        }
    }
}
