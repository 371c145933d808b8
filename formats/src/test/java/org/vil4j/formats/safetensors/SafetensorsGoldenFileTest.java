package org.vil4j.formats.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Shape;

/** Reads a file written by the reference Python library (the PyTorch golden data in golden/). */
class SafetensorsGoldenFileTest {
    @Test
    void readsTheVil2MicroGoldenFile() {
        // the repository's golden/ carries it (the parent pom's vil4j.golden)
        Path path = Path.of(System.getProperty("vil4j.golden", "../golden"), "vil2-micro.safetensors");
        assertThat(path).isRegularFile();

        SafetensorsFile file = SafetensorsFile.open(path);

        assertThat(file.entry("input").dtype()).isEqualTo(DType.F32);
        assertThat(file.entry("input").shape()).isEqualTo(Shape.of(2, 3, 16, 16));
        assertThat(file.entry("output").dtype()).isEqualTo(DType.F64);
        assertThat(file.entry("output").shape()).isEqualTo(Shape.of(2, 10));
        assertThat(file.entry("labels").dtype()).isEqualTo(DType.I64);
        assertThat(file.entry("labels").shape()).isEqualTo(Shape.of(2));

        // Expected values read independently with Python's struct module.
        assertThat(file.longs("labels")).containsExactly(6, 3);
        float[] input = file.floats("input");
        assertThat(input).hasSize(1536);
        assertThat(input[0]).isEqualTo(0.4371585547924042f);
        assertThat(input[1535]).isEqualTo(-0.6164693832397461f);
        double[] output = file.doubles("output");
        assertThat(output[0]).isEqualTo(0.035527325387583145);
        assertThat(output[19]).isEqualTo(-0.19072697734616373);
        assertThat(Arrays.stream(output).sum()).isCloseTo(-1.1126277376848015, within(1e-12));
    }
}
