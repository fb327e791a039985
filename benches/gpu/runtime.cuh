// The few things the GPU baseline needs from a runtime, in two builds of the same source:
//
// * nvcc (`__CUDACC__`): kernels are `__global__`, launched on blocks of 256 threads; device
//   memory, copies and CUB's radix sort.
// * a host C++ compiler (`g++ -x c++`): the *emulation* build. A kernel is an ordinary function
//   run once per thread index in a loop, device memory is host memory, the sort is
//   `std::stable_sort`. Both time with the host clock. It runs the same kernels and the same schedule,
//   so `benches/tests/gpu_baseline.rs` checks the kernels' arithmetic and indexing against
//   arkworks on a machine with no GPU (what it cannot check: races, launch limits, the CUB call).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <utility>
#include <vector>

#ifdef __CUDACC__
#include <cub/cub.cuh>
#define HD __host__ __device__ __forceinline__
#define KERNEL __global__
#define THREAD_INDEX() (size_t(blockIdx.x) * blockDim.x + threadIdx.x)
#else
#define HD inline
#define KERNEL
inline thread_local size_t emu_thread_index = 0;
#define THREAD_INDEX() (emu_thread_index)
#endif

// Stops the program with a message (bad input, a CUDA error).
[[noreturn]] inline void fail(const char* what, const char* detail = "") {
    std::fprintf(stderr, "gpu_baseline: %s %s\n", what, detail);
    std::exit(2);
}

#ifdef __CUDACC__
inline void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) fail(what, cudaGetErrorString(e));
}
#endif

constexpr unsigned BLOCK = 256;

// Runs `kernel(args...)` on `threads` thread indices (rounded up to whole blocks: every kernel
// takes its own bound and returns above it).
template <typename... P, typename... A>
void launch(size_t threads, void (*kernel)(P...), A... args) {
    if (threads == 0) return;
    size_t blocks = (threads + BLOCK - 1) / BLOCK;
#ifdef __CUDACC__
    if (blocks > 0x7fffffffull) fail("launch:", "too many blocks");
    kernel<<<unsigned(blocks), BLOCK>>>(args...);
    check(cudaGetLastError(), "launch");
#else
    for (size_t i = 0; i < blocks * BLOCK; ++i) {
        emu_thread_index = i;
        kernel(args...);
    }
#endif
}

template <typename T>
T* dev_alloc(size_t n) {
    void* p = nullptr;
#ifdef __CUDACC__
    check(cudaMalloc(&p, std::max<size_t>(n, 1) * sizeof(T)), "cudaMalloc");
#else
    p = std::calloc(std::max<size_t>(n, 1), sizeof(T));
    if (!p) fail("out of memory");
#endif
    return static_cast<T*>(p);
}

template <typename T>
void dev_free(T* p) {
#ifdef __CUDACC__
    check(cudaFree(p), "cudaFree");
#else
    std::free(p);
#endif
}

enum class Dir { ToDevice, ToHost };

template <typename T>
void copy(T* dst, const T* src, size_t n, Dir dir) {
#ifdef __CUDACC__
    check(cudaMemcpy(dst, src, n * sizeof(T), dir == Dir::ToDevice ? cudaMemcpyHostToDevice : cudaMemcpyDeviceToHost),
          dir == Dir::ToDevice ? "copy to device" : "copy to host");
#else
    (void)dir;
    std::memcpy(dst, src, n * sizeof(T));
#endif
}
template <typename T>
void to_dev(T* dst, const T* src, size_t n) { copy(dst, src, n, Dir::ToDevice); }
template <typename T>
void to_host(T* dst, const T* src, size_t n) { copy(dst, src, n, Dir::ToHost); }

template <typename T>
void dev_zero(T* p, size_t n) {
#ifdef __CUDACC__
    check(cudaMemset(p, 0, n * sizeof(T)), "cudaMemset");
#else
    std::memset(p, 0, n * sizeof(T));
#endif
}

// Pins `bytes` of host memory at `p` for the duration of a scope (page-locked: copies run at the
// bus's rate, as a GPU library's staging buffers do); `ok` says whether it worked (the copies are
// correct either way, only slower; the program's line reports it). Nothing in the emulation.
struct PinnedRange {
    void* p;
    bool ok = false;
    explicit PinnedRange(void* p_, size_t bytes) : p(p_) {
#ifdef __CUDACC__
        ok = cudaHostRegister(p, bytes, cudaHostRegisterDefault) == cudaSuccess;
        if (!ok) cudaGetLastError();  // clear the error: pageable copies still work
#else
        (void)bytes;
#endif
    }
    ~PinnedRange() {
#ifdef __CUDACC__
        if (ok) cudaHostUnregister(p);
#endif
    }
    PinnedRange(const PinnedRange&) = delete;
    PinnedRange& operator=(const PinnedRange&) = delete;
};

inline void device_sync() {
#ifdef __CUDACC__
    check(cudaDeviceSynchronize(), "kernel");
#endif
}

// Sorts `n` (key, value) pairs by the low `bits` bits of the key (stable), from the `_in` arrays
// into the `_out` arrays. `scratch` is reused between calls of the same size.
struct PairSort {
    void* scratch = nullptr;
    size_t scratch_bytes = 0;

    void run(const uint32_t* keys_in, uint32_t* keys_out, const uint32_t* vals_in, uint32_t* vals_out, size_t n, int bits) {
#ifdef __CUDACC__
        size_t need = 0;
        check(cub::DeviceRadixSort::SortPairs(nullptr, need, keys_in, keys_out, vals_in, vals_out, int(n), 0, bits), "sort size");
        if (need > scratch_bytes) {
            if (scratch) check(cudaFree(scratch), "cudaFree");
            check(cudaMalloc(&scratch, need), "cudaMalloc (sort)");
            scratch_bytes = need;
        }
        check(cub::DeviceRadixSort::SortPairs(scratch, scratch_bytes, keys_in, keys_out, vals_in, vals_out, int(n), 0, bits), "sort");
#else
        uint32_t mask = bits >= 32 ? 0xffffffffu : ((1u << bits) - 1);
        std::vector<size_t> order(n);
        std::iota(order.begin(), order.end(), size_t(0));
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return (keys_in[a] & mask) < (keys_in[b] & mask); });
        for (size_t i = 0; i < n; ++i) {
            keys_out[i] = keys_in[order[i]];
            vals_out[i] = vals_in[order[i]];
        }
#endif
    }

    ~PairSort() {
        if (scratch) {
#ifdef __CUDACC__
            cudaFree(scratch);
#endif
        }
    }
};

// Wall time of a region of device work, in milliseconds: the host's steady clock, stopped after
// the device has finished everything queued (kernels, copies).
struct Timer {
    std::chrono::steady_clock::time_point t;
    void start() {
        device_sync();
        t = std::chrono::steady_clock::now();
    }
    double stop_ms() {
        device_sync();
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
    }
};
