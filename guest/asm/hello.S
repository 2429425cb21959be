/* hello-asm: the smallest guest. No libc, no stack use: write(1, msg, len),
   then exit_group(0). */
	.section .rodata
msg:	.ascii "Hello from sysemu!\n"
	.set msg_len, . - msg

	.text
	.globl _start
_start:
	mov	$1, %eax		/* write */
	mov	$1, %edi		/* fd 1 */
	lea	msg(%rip), %rsi
	mov	$msg_len, %edx
	syscall

	mov	$231, %eax		/* exit_group */
	xor	%edi, %edi
	syscall
	ud2				/* not reached */

	.section .note.GNU-stack,"",@progbits
