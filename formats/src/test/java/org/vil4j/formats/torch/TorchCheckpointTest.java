package org.vil4j.formats.torch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.Test;
import org.vil4j.api.Shape;
import org.vil4j.formats.safetensors.SafetensorsFile;

class TorchCheckpointTest {
    /** A golden file: the repository's golden/ (the parent pom's vil4j.golden) carries it. */
    private static Path golden(String name) {
        Path file = Path.of(System.getProperty("vil4j.golden", "../golden")).resolve(name);
        assertThat(file).as("golden file (the repository's golden/ holds it)").isRegularFile();
        return file;
    }

    private static byte[] oneTensor(String storageClass, byte[] storage, long numel, long offset, long[] size,
                                    long[] stride) {
        byte[] pickle = new Archives.Pickle().op('}').mark().str("w")
                .tensor(storageClass, "0", numel, offset, size, stride).op('u').stop().bytes();
        return Archives.zip(pickle, Map.of("0", storage));
    }

    @Test
    void readsTheMicroGoldenCheckpointLikeTheReferenceWeights() {
        TorchCheckpoint ckpt = TorchCheckpoint.open(golden("vil2-micro-official-layout.th"));
        Map<String, TorchTensor> sd = ckpt.stateDict();
        assertThat(sd).hasSize(93);
        assertThat(sd.get("patch_embed.proj.weight").shape()).isEqualTo(Shape.of(32, 3, 4, 4));
        assertThat(sd.get("head.1.weight").shape()).isEqualTo(Shape.of(10, 64));
        assertThat(ckpt.extras()).containsEntry("ctor_kwargs", Map.of("dim", 32L, "depth", 2L));
        SafetensorsFile reference = SafetensorsFile.open(golden("vil2-micro-th.safetensors"));
        assertThat(sd.get("patch_embed.proj.weight").toFloats())
                .containsExactly(reference.floats("param.patch_embed.proj.weight"));
        assertThat(sd.get("pos_embed.embed").toFloats()).containsExactly(reference.floats("param.pos_embed.embed"));
        assertThat(sd.get("blocks.1.xlstm.conv1d.weight").toFloats())
                .containsExactly(reference.floats("param.blocks.0.rowwise_from_bot_right.layer.conv.weight"));
    }

    @Test
    void decodesEveryStorageTypeAndStridedViews() {
        ByteBuffer half = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        half.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001); // 1, -2, 2^-24
        assertThat(TorchCheckpoint.parse(oneTensor("HalfStorage", half.array(), 3, 0, new long[]{3}, new long[]{1}),
                "h").stateDict().get("w").toFloats()).containsExactly(1f, -2f, 0x1p-24f);
        ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        bf.putShort((short) 0x3FC0).putShort((short) 0xC120); // 1.5, -10
        assertThat(TorchCheckpoint.parse(oneTensor("BFloat16Storage", bf.array(), 2, 0, new long[]{2},
                new long[]{1}), "b").stateDict().get("w").toFloats()).containsExactly(1.5f, -10f);
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25).putDouble(-3);
        assertThat(TorchCheckpoint.parse(oneTensor("DoubleStorage", d.array(), 2, 0, new long[]{2}, new long[]{1}),
                "d").stateDict().get("w").toFloats()).containsExactly(0.25f, -3f);
        ByteBuffer l = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-9);
        TorchTensor longs = TorchCheckpoint.parse(oneTensor("LongStorage", l.array(), 2, 0, new long[]{2},
                new long[]{1}), "l").stateDict().get("w");
        assertThat(longs.dtype()).isEqualTo(TorchDType.INT64);
        assertThat(longs.toFloats()).containsExactly(7f, -9f);
        // a transposed 2x3 view of a 3x2 storage, starting at element 1 of 7
        TorchTensor t = TorchCheckpoint.parse(oneTensor("FloatStorage", Archives.floats(9, 0, 1, 2, 3, 4, 5), 7, 1,
                new long[]{2, 3}, new long[]{1, 2}), "t").stateDict().get("w");
        assertThat(t.toFloats()).containsExactly(0, 2, 4, 1, 3, 5);
    }

    @Test
    void acceptsOrderedDictStateWithMetadataAndParameters() {
        Archives.Pickle p = new Archives.Pickle().op('}').str("state_dict")
                .global("collections", "OrderedDict").op(')').op('R')
                .mark().str("a").global("torch._utils", "_rebuild_parameter").mark()
                .tensor("FloatStorage", "0", 2, 0, new long[]{2}, new long[]{1}).op(0x88)
                .global("collections", "OrderedDict").op(')').op('R').op('t').op('R').op('u')
                .op('}').str("_metadata").op('}').op('s').op('b') // BUILD with {'_metadata': {}}
                .op('s').stop();
        TorchCheckpoint c = TorchCheckpoint.parse(Archives.zip(p.bytes(), Map.of("0", Archives.floats(1, 2))), "o");
        assertThat(c.stateDict().get("a").toFloats()).containsExactly(1, 2);
    }

    @Test
    void refusesAPickleThatCallsOsSystem() {
        byte[] pickle = new Archives.Pickle().global("os", "system").mark().str("touch /tmp/pwned").op('t').op('R')
                .stop().bytes();
        assertThatThrownBy(() -> TorchCheckpoint.parse(Archives.zip(pickle, Map.of()), "evil.th"))
                .isInstanceOf(TorchFormatException.class).hasMessageContaining("refusing global os.system")
                .hasMessageStartingWith("evil.th");
        byte[] stacked = new Archives.Pickle().str("builtins").str("eval").op(0x93).stop().bytes();
        assertThatThrownBy(() -> TorchCheckpoint.parse(Archives.zip(stacked, Map.of()), "s"))
                .isInstanceOf(TorchFormatException.class).hasMessageContaining("refusing global builtins.eval");
    }

    @Test
    void refusesBrokenContainers() throws Exception {
        byte[] valid = Files.readAllBytes(golden("vil2-micro-official-layout.th"));
        assertThatThrownBy(() -> TorchCheckpoint.parse(Arrays.copyOf(valid, valid.length / 2), "cut"))
                .isInstanceOf(TorchFormatException.class).hasMessageContaining("truncated");
        byte[] random = new byte[4096];
        new Random(1).nextBytes(random);
        assertThatThrownBy(() -> TorchCheckpoint.parse(random, "random")).isInstanceOf(TorchFormatException.class);
        assertThatThrownBy(() -> TorchCheckpoint.parse(new byte[0], "empty")).isInstanceOf(TorchFormatException.class);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("a/data.pkl", new Archives.Pickle().op('N').stop().bytes());
        assertThatThrownBy(() -> TorchCheckpoint.parse(Archives.rawZip(entries, ZipEntry.DEFLATED), "z"))
                .isInstanceOf(TorchFormatException.class).hasMessageContaining("compressed");
        assertThatThrownBy(() -> TorchCheckpoint.parse(Archives.rawZip(Map.of("x", new byte[3]), ZipEntry.STORED),
                "nopkl")).isInstanceOf(TorchFormatException.class).hasMessageContaining("no data.pkl");
        byte[] flipped = valid.clone();
        flipped[20000] ^= 1; // inside a storage
        assertThatThrownBy(() -> TorchCheckpoint.parse(flipped, "flip").stateDict())
                .isInstanceOf(TorchFormatException.class).hasMessageContaining("CRC");
    }

    @Test
    void refusesStoragesThatAreTooShortAndAbsurdShapes() {
        assertThatThrownBy(() -> TorchCheckpoint.parse(oneTensor("FloatStorage", Archives.floats(1, 2), 100, 0,
                new long[]{100}, new long[]{1}), "short")).isInstanceOf(TorchFormatException.class)
                .hasMessageContaining("too short");
        assertThatThrownBy(() -> TorchCheckpoint.parse(oneTensor("FloatStorage", Archives.floats(1, 2), 2, 0,
                new long[]{3}, new long[]{1}), "reach")).isInstanceOf(TorchFormatException.class)
                .hasMessageContaining("exceeds its storage");
        assertThatThrownBy(() -> TorchCheckpoint.parse(oneTensor("FloatStorage", Archives.floats(1, 2), 2, 1,
                new long[]{2}, new long[]{1}), "offset")).isInstanceOf(TorchFormatException.class)
                .hasMessageContaining("reaches element 2");
        assertThatThrownBy(() -> TorchCheckpoint.parse(oneTensor("FloatStorage", Archives.floats(1, 2), 2, 0,
                new long[]{1L << 40, 1L << 40, 1L << 40}, new long[]{0, 0, 0}), "huge"))
                .isInstanceOf(TorchFormatException.class).hasMessageContaining("declared shape");
        assertThatThrownBy(() -> TorchCheckpoint.parse(oneTensor("IntStorage", Archives.floats(1, 2), 2, 0,
                new long[]{2}, new long[]{1}), "int")).isInstanceOf(TorchFormatException.class)
                .hasMessageContaining("refusing global torch.IntStorage");
    }

    @Test
    void refusesTensorsAliasingMoreThanTheFileHolds() {
        Archives.Pickle p = new Archives.Pickle().op('}').mark().str("t0")
                .tensor("FloatStorage", "0", 1024, 0, new long[]{1024}, new long[]{1}).op('q').op(1);
        for (int i = 1; i < 200; i++) {
            p.str("t" + i).op('h').op(1);
        }
        byte[] file = Archives.zip(p.op('u').stop().bytes(), Map.of("0", new byte[4096]));
        TorchCheckpoint c = TorchCheckpoint.parse(file, "alias");
        assertThatThrownBy(c::stateDict).isInstanceOf(TorchFormatException.class).hasMessageContaining("aliased");
    }
}
