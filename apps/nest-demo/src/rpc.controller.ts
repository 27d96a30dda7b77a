import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { getEventUser, setTag } from '@x/nest';

/** The demo microservice's handlers: `{ cmd: 'boom' }` fails, `{ cmd: 'whoami' }` answers. */
@Controller()
export class RpcController {
  @MessagePattern({ cmd: 'boom' })
  boom(@Payload() data?: { tag?: unknown }): never {
    if (typeof data?.tag === 'string') setTag('demo.tag', data.tag);
    throw new Error('rpc boom');
  }

  @MessagePattern({ cmd: 'whoami' })
  async whoami() {
    return { user: await getEventUser() };
  }
}
