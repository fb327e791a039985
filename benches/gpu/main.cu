// GPU baseline for issue 23: BN254 G1 MSM and Fr NTT on our own CUDA kernels, driven through
// files by `cargo run --release -p zkaccel-benches --example gpu_baseline` (which writes the
// inputs, checks every result against arkworks and times the CPU kernels beside it).
//
//   gpu_baseline info
//   gpu_baseline self-test
//   gpu_baseline msm POINTS SCALARS C REPS OUT     points: n × (x ‖ y), 32-byte little-endian
//                                                  canonical coordinates, (0, 0) the identity;
//                                                  scalars: n × 32 bytes in Montgomery form
//                                                  (a·2^256 mod r, as arkworks holds them; the
//                                                  MSM converts them); OUT: x ‖ y canonical
//   gpu_baseline ntt INPUT REPS OUT                n = 2^k canonical Fr values; OUT the same
//
// Each run prints one line of `key=value` fields (times in ms: `*_best` the fastest repetition,
// `*_median` the median, after one untimed warm-up run; `kernels` is the computation on resident
// data — for the MSM from the scalars' conversion up to and including the window sums' copy back
// and the host's Horner step — `upload` the input's copy to the device from host memory pinned
// once before the runs, `total` both, plus the NTT's download into pinned memory). Built by nvcc (benches/gpu/run-on-device.sh) or, for the tests, by g++
// as the emulation build of `runtime.cuh`.
#include <string>

#include "msm.cuh"
#include "ntt.cuh"

static std::vector<uint8_t> read_file(const char* path) {
    FILE* f = std::fopen(path, "rb");
    if (!f) fail("cannot open", path);
    std::vector<uint8_t> out;
    uint8_t buf[1 << 16];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) out.insert(out.end(), buf, buf + got);
    std::fclose(f);
    return out;
}

static void write_file(const char* path, const void* data, size_t bytes) {
    FILE* f = std::fopen(path, "wb");
    if (!f || std::fwrite(data, 1, bytes, f) != bytes || std::fclose(f) != 0) fail("cannot write", path);
}

template <typename P>
static Fp<P> load_canonical(const uint8_t* b, const char* what) {
    Fp<P> v;
    for (int i = 0; i < 8; ++i) v.l[i] = uint32_t(b[4 * i]) | uint32_t(b[4 * i + 1]) << 8 | uint32_t(b[4 * i + 2]) << 16 | uint32_t(b[4 * i + 3]) << 24;
    Fp<P> m;
    P::modulus(m.l);
    for (int i = 7; i >= 0; --i) {
        if (v.l[i] < m.l[i]) return v;
        if (v.l[i] > m.l[i]) break;
    }
    fail("input value not below the modulus:", what);
}

template <typename P>
static void store(uint8_t* b, const Fp<P>& v) {
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 4; ++j) b[4 * i + j] = uint8_t(v.l[i] >> (8 * j));
}

static unsigned parse_uint(const char* s, const char* what) {
    char* end = nullptr;
    unsigned long v = std::strtoul(s, &end, 10);
    if (!*s || *end || v > 1000000) fail("bad number for", what);
    return unsigned(v);
}

struct Times {
    std::vector<double> v;
    double best() const { return *std::min_element(v.begin(), v.end()); }
    double median() const {
        std::vector<double> s = v;
        std::sort(s.begin(), s.end());
        return s[s.size() / 2];
    }
};

static void print_device() {
#ifdef __CUDACC__
    int dev = 0;
    cudaDeviceProp prop;
    check(cudaGetDevice(&dev), "cudaGetDevice");
    check(cudaGetDeviceProperties(&prop, dev), "cudaGetDeviceProperties");
    std::printf("device=\"%s\" sms=%d", prop.name, prop.multiProcessorCount);
#else
    std::printf("device=\"host emulation\" sms=0");
#endif
}

template <typename P>
static bool field_constants_ok() {
    using F = Fp<P>;
    F m;
    P::modulus(m.l);
    if (uint32_t(m.l[0] * P::INV) != 0xffffffffu) return false;  // p·(−p^{-1}) ≡ −1 mod 2^32
    F r = F::from_u32(1);
    for (int i = 0; i < 256; ++i) r = r + r;  // 2^256 mod p, canonical
    if (F::one() != r) return false;          // one() = 1·R2·R^{-1} = R mod p
    F a = F::from_u32(123456789).to_mont();
    return (a * a.inverse()) == F::one();
}

static int self_test() {
    bool ok = field_constants_ok<FqParams>() && field_constants_ok<FrParams>();
    Fr root;
    FrParams::root_2_28(root.l);
    Fr w = root.to_mont();
    for (int i = 0; i < 27; ++i) w = w.sqr();
    ok = ok && (w == Fr::zero() - Fr::one());  // ω^(2^27) = −1: order exactly 2^28
    std::printf("self-test ok=%d\n", ok ? 1 : 0);
    return ok ? 0 : 1;
}

static int run_msm(const char* points_path, const char* scalars_path, unsigned c, unsigned reps, const char* out_path) {
    std::vector<uint8_t> pb = read_file(points_path), sb = read_file(scalars_path);
    if (pb.size() % 64 || sb.size() % 32 || pb.size() / 64 != sb.size() / 32 || pb.empty()) fail("msm:", "points and scalars differ in count");
    size_t n = sb.size() / 32;
    std::vector<Affine> pts(n);
    std::vector<Fr> sc(n);
    for (size_t i = 0; i < n; ++i) {
        pts[i].x = load_canonical<FqParams>(&pb[64 * i], "point x");
        pts[i].y = load_canonical<FqParams>(&pb[64 * i + 32], "point y");
        sc[i] = load_canonical<FrParams>(&sb[32 * i], "scalar");
    }
    MsmPlan plan(n, c);
    plan.load_bases(pts.data());
    PinnedRange pinned(sc.data(), sc.size() * sizeof(Fr));  // the scalars' host buffer, pinned once
    plan.upload_scalars(sc.data());  // warm-up, untimed: lazy module loading, CUB's scratch
    plan.run();
    Times upload, kernels, total;
    Timer t;
    Xyzz r = Xyzz::identity();
    for (unsigned rep = 0; rep < std::max(reps, 1u); ++rep) {
        t.start();
        plan.upload_scalars(sc.data());
        double u = t.stop_ms();
        t.start();
        r = plan.run();
        double k = t.stop_ms();
        upload.v.push_back(u);
        kernels.v.push_back(k);
        total.v.push_back(u + k);
    }
    Affine a = to_affine(r);
    uint8_t out[64];
    store(out, a.x.from_mont());
    store(out + 32, a.y.from_mont());
    write_file(out_path, out, sizeof out);
    std::printf("msm n=%zu c=%u windows=%u reps=%zu pinned=%d upload_ms_best=%.4f kernels_ms_best=%.4f kernels_ms_median=%.4f total_ms_best=%.4f total_ms_median=%.4f ",
                n, c, plan.windows, kernels.v.size(), pinned.ok ? 1 : 0, upload.best(), kernels.best(), kernels.median(), total.best(), total.median());
    print_device();
    std::printf("\n");
    return 0;
}

static int run_ntt(const char* in_path, unsigned reps, const char* out_path) {
    std::vector<uint8_t> ib = read_file(in_path);
    size_t n = ib.size() / 32;
    if (ib.size() % 32 || n < 2 || (n & (n - 1))) fail("ntt:", "input must hold 2^k values, k ≥ 1");
    unsigned log_n = 0;
    while ((size_t(1) << log_n) < n) ++log_n;
    std::vector<Fr> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = load_canonical<FrParams>(&ib[32 * i], "ntt input");
    NttPlan plan(log_n);
    std::vector<Fr> out(n);
    PinnedRange pinned_in(v.data(), n * sizeof(Fr)), pinned_out(out.data(), n * sizeof(Fr));  // pinned once
    plan.upload(v.data());  // warm-up, untimed
    plan.run();
    Times upload, kernels, download, total;
    Timer t;
    for (unsigned rep = 0; rep < std::max(reps, 1u); ++rep) {
        t.start();
        plan.upload(v.data());
        double u = t.stop_ms();
        t.start();
        plan.run();
        double k = t.stop_ms();
        t.start();
        plan.download(out.data());
        double d = t.stop_ms();
        upload.v.push_back(u);
        kernels.v.push_back(k);
        download.v.push_back(d);
        total.v.push_back(u + k + d);
        if (rep + 1 == std::max(reps, 1u)) {
            std::vector<uint8_t> ob(32 * n);
            for (size_t i = 0; i < n; ++i) store(&ob[32 * i], out[i]);
            write_file(out_path, ob.data(), ob.size());
        }
    }
    std::printf("ntt n=%zu reps=%zu pinned=%d upload_ms_best=%.4f kernels_ms_best=%.4f kernels_ms_median=%.4f download_ms_best=%.4f total_ms_best=%.4f total_ms_median=%.4f ",
                n, kernels.v.size(), pinned_in.ok && pinned_out.ok ? 1 : 0, upload.best(), kernels.best(), kernels.median(), download.best(), total.best(), total.median());
    print_device();
    std::printf("\n");
    return 0;
}

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "info" && argc == 2) {
        print_device();
        std::printf("\n");
        return 0;
    }
    if (cmd == "self-test" && argc == 2) return self_test();
    if (cmd == "msm" && argc == 7) return run_msm(argv[2], argv[3], parse_uint(argv[4], "C"), parse_uint(argv[5], "REPS"), argv[6]);
    if (cmd == "ntt" && argc == 5) return run_ntt(argv[2], parse_uint(argv[3], "REPS"), argv[4]);
    std::fprintf(stderr, "usage: gpu_baseline info | self-test | msm POINTS SCALARS C REPS OUT | ntt INPUT REPS OUT\n");
    return 2;
}
