/**
 * The "opencl" backend: one Aparapi device program (op-code dispatch over device-resident arenas) that runs on any
 * OpenCL device. Nothing outside this module sees Aparapi or device buffers.
 */
module org.vil4j.opencl {
    requires org.vil4j.api;
    requires aparapi;
    requires java.logging;

    // Aparapi reflects over the kernel's fields and bytecode
    opens org.vil4j.opencl to aparapi;

    provides org.vil4j.api.Backend with org.vil4j.opencl.OpenCLBackend;
}
