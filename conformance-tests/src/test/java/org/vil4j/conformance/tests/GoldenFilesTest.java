package org.vil4j.conformance.tests;

import org.vil4j.conformance.GoldenFiles;
import org.vil4j.conformance.GoldenCase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The golden folder and the ViL-T case kept outside the repository. */
class GoldenFilesTest {
    @TempDir
    Path dir;
    private String golden;
    private String external;

    @BeforeEach
    void remember() {
        golden = System.getProperty("vil4j.golden");
        external = System.getProperty("vil4j.golden.external");
    }

    @AfterEach
    void restore() {
        set("vil4j.golden", golden);
        set("vil4j.golden.external", external);
    }

    private static void set(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }

    private static void touchCase(Path folder, String name) throws IOException {
        Files.createDirectories(folder);
        Files.write(folder.resolve(name + ".safetensors"), new byte[0]);
        Files.writeString(folder.resolve(name + ".json"), "{}");
    }

    @Test
    void theRepositoryCopyHoldsEveryCaseButTheViLTOne() {
        Path repo = Path.of("..", "golden"); // tests run in the module's folder
        assertThat(repo).isDirectory();
        List<String> names = GoldenCase.list(repo).stream().map(p -> p.getFileName().toString()).toList();
        assertThat(names).contains("vil2-micro.safetensors", "vil1-stride.safetensors",
                "mlstm-cell-long-4096.safetensors");
        for (String outside : GoldenFiles.OUTSIDE_THE_REPOSITORY) {
            assertThat(repo.resolve(outside)).doesNotExist();
        }
    }

    @Test
    void theViLTCaseIsTakenFromTheSharedFolderOrNamedAsSkipped() throws IOException {
        assumeTrue(System.getenv("VIL4J_GOLDEN") == null, "VIL4J_GOLDEN is set: it is searched too");
        Path mine = dir.resolve("repo-golden");
        Path shared = dir.resolve("shared");
        touchCase(mine, "vil2-micro");
        Files.createDirectories(shared);
        System.setProperty("vil4j.golden", mine.toString());
        System.setProperty("vil4j.golden.external", shared.toString());

        List<String> skipped = new ArrayList<>();
        assertThat(GoldenFiles.cases(skipped)).containsExactly(mine.resolve("vil2-micro.safetensors"));
        assertThat(skipped).containsExactly("vil2-tiny-224");
        assertThat(GoldenFiles.missing("vil2-tiny-224.safetensors")).contains("vil2-tiny-224.safetensors")
                .contains(shared.toAbsolutePath().toString()).contains("VIL4J_GOLDEN");

        touchCase(shared, "vil2-tiny-224");
        touchCase(shared, "vil2-micro"); // the golden folder's own copy wins
        skipped.clear();
        assertThat(GoldenFiles.cases(skipped)).containsExactly(mine.resolve("vil2-micro.safetensors"),
                shared.resolve("vil2-tiny-224.safetensors"));
        assertThat(skipped).isEmpty();
        assertThat(GoldenFiles.find("vil2-tiny-224.json")).contains(shared.resolve("vil2-tiny-224.json"));
    }
}
